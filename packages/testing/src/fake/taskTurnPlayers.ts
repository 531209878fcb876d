import type { ReviewTarget, ThreadItem, Turn } from "@codex-app-server/protocol";
import { TurnInterrupted } from "./fakeTurn.js";
import { agentMessageItem, makeTurn, userMessageItem } from "./payloads.js";
import { TurnPlayer } from "./turnPlayer.js";
import type { TurnScript, TurnStep } from "./turnScript.js";

type Ending = "completed" | "interrupted" | "failed" | "dropped";

/** What compactions and reviews share: playing steps, and ending like a turn. */
abstract class TaskTurnPlayer extends TurnPlayer {
  /** Plays `steps`; throws `TurnInterrupted` when the turn is interrupted. */
  protected async playSteps(steps: readonly TurnStep[]): Promise<Ending> {
    for (const s of steps) {
      const outcome = await this.playStep(s);
      if (outcome === "failed") return "failed";
      if (outcome === "cancelled") return "interrupted";
      if (outcome === "dropped") return "dropped";
    }
    if (this.turn.interrupted) throw new TurnInterrupted();
    return "completed";
  }

  /** Runs `body`, then ends the turn: `thread/status/changed(idle)` and `turn/completed`. */
  protected async runTask(
    body: () => Promise<Ending>,
    ended: (status: Exclude<Ending, "dropped">) => Partial<Turn>,
  ): Promise<void> {
    const turn = this.turn;
    let ending: Ending;
    try {
      ending = await body();
    } catch (error) {
      if (error instanceof TurnInterrupted) ending = "interrupted";
      else {
        this.ctx.scriptFailed(error instanceof Error ? error : new Error(String(error)));
        ending = "failed";
      }
    }
    if (turn.thread.activeTurn === turn) turn.thread.activeTurn = undefined;
    try {
      if (ending === "dropped" || !this.session.open) return;
      const { threadId } = turn;
      if (ending !== "failed") this.emit("thread/status/changed", { threadId, status: { type: "idle" } });
      await this.emit("turn/completed", {
        threadId,
        turn: { ...makeTurn(turn.id, ending, [], this.failure, turn.startedAt), ...ended(ending) },
      });
    } finally {
      turn.markEnded();
    }
  }
}

/**
 * Plays a compaction turn (`thread/compact/start`) as the real server does: after its `{}` answer,
 * `thread/status/changed(active)`, `turn/started`, `item/started(contextCompaction)`, the usage of the
 * model call, `item/completed(contextCompaction)`, `thread/status/changed(idle)` and
 * `turn/completed` (no items). Interrupted, the item never completes. `steps` play while the item
 * runs: `[step.hang()]` holds the compaction until it is interrupted.
 */
export class CompactionPlayer extends TaskTurnPlayer {
  async playCompaction(steps: readonly TurnStep[]): Promise<void> {
    await this.runTask(
      async () => {
        await this.announce();
        const item = { type: "contextCompaction", id: this.ctx.ids.uuidv7() } as ThreadItem;
        await this.itemStarted(item);
        const ending = await this.playSteps(steps);
        if (ending !== "completed") return ending;
        await this.usage({ inputTokens: 10, outputTokens: 5 });
        await this.itemCompleted(item);
        return "completed";
      },
      () => ({ items: [], itemsView: "notLoaded" }),
    );
  }
}

/**
 * Plays a review turn (`review/start`, delivered inline) as the real server does. The answer names
 * the review's turn; then come `item/started`/`item/completed(enteredReviewMode)`,
 * `thread/status/changed(active)`, and a `turn/started` that names an inner turn (whose `rootTurnId`
 * is the review's): that inner turn is the one `turn/interrupt` must name. Everything else,
 * `turn/completed` included, names the review's turn: the prompt as a user message, the model's
 * message started (never streamed nor completed), `exitedReviewMode` with the review, and the review
 * as an agent message. The review takes the next turn script as the model's answer: its last message
 * is the review's text; its other steps play as they would in a turn.
 */
export class ReviewPlayer extends TaskTurnPlayer {
  async playReview(script: TurnScript, prompt: string): Promise<void> {
    let review: ThreadItem | undefined;
    await this.runTask(
      async () => {
        const { threadId, id } = this.turn;
        const entered = {
          type: "enteredReviewMode",
          id: this.ctx.ids.uuidv7(),
          review: prompt,
        } as ThreadItem;
        await this.itemStarted(entered);
        await this.itemCompleted(entered);
        this.emit("thread/status/changed", { threadId, status: { type: "active", activeFlags: [] } });
        this.turn.started = true;
        const inner = makeTurn(this.turn.activeId, "inProgress", [], null, this.turn.startedAt);
        await this.emit("turn/started", { threadId, turn: { ...inner, rootTurnId: id } });
        await this.userMessage([{ type: "text", text: prompt, text_elements: [] }]);
        const messages = script.steps.filter((s) => s.type === "message");
        const last = messages[messages.length - 1];
        if (last) await this.itemStarted(agentMessageItem(this.ctx.ids.item("msg"), ""));
        const ending = await this.playSteps(script.steps.filter((s) => s.type !== "message"));
        if (ending !== "completed") return ending;
        const text = last?.text ?? "";
        const exited = { type: "exitedReviewMode", id: this.ctx.ids.uuidv7(), review: text } as ThreadItem;
        await this.itemStarted(exited);
        await this.itemCompleted(exited);
        const answer = agentMessageItem(`msg_${this.ctx.ids.uuidv7()}`, text);
        await this.itemStarted(answer);
        review = await this.itemCompleted(answer);
        return "completed";
      },
      (status) => ({ rootTurnId: this.turn.id, items: status === "completed" && review ? [review] : [] }),
    );
  }
}

/** The review's turn as `review/start` answers it: in progress, its prompt as its only item. */
export function reviewStartTurn(turnId: string, prompt: string): Turn {
  return {
    ...makeTurn(turnId, "inProgress"),
    rootTurnId: null,
    items: [userMessageItem(turnId, [{ type: "text", text: prompt, text_elements: [] }])],
  } as Turn;
}

/**
 * A review's prompt, as the real server words it for a custom review (its instructions) and for
 * uncommitted changes ("current changes"); the wording of the other targets is this fake's.
 */
export function reviewPrompt(target: ReviewTarget): string {
  switch (target.type) {
    case "custom":
      return target.instructions;
    case "uncommittedChanges":
      return "current changes";
    case "baseBranch":
      return `changes against ${target.branch}`;
    case "commit":
      return `commit ${target.sha}`;
  }
}

import type { ThreadItem, TurnError, UserInput } from "@codex-app-server/protocol";
import type { FakeIds } from "./fakeIds.js";
import type { FakeSession } from "./fakeSession.js";
import type { FakeTurn } from "./fakeTurn.js";
import { TurnInterrupted, waitInTurn } from "./fakeTurn.js";
import type { TokenCounts } from "./payloads.js";
import {
  agentMessageItem,
  commandItem,
  execpolicyAmendment,
  fileChangeItem,
  innerCommand,
  makeTurn,
  rateLimits,
  reasoningItem,
  tokenUsage,
  userMessageItem,
} from "./payloads.js";
import type { TurnScript, TurnStep } from "./turnScript.js";
import { chunkText } from "./turnScript.js";

/** What the player needs from the fake. */
export interface TurnPlayerContext {
  readonly ids: FakeIds;
  readonly cwd: string;
  /** Throw when the params fail their schema. */
  checkNotification(method: string, params: unknown): void;
  checkRequest(method: string, params: unknown): void;
  /** The script or the fake itself failed; the turn ends as failed. */
  scriptFailed(error: Error): void;
}

/** How a step ended: the turn goes on (`ok`), or not. */
export type StepOutcome = "ok" | "failed" | "dropped" | "cancelled";
type Decision = "accepted" | "declined" | "cancelled";

const DEFAULT_USAGE: TokenCounts = { inputTokens: 10, outputTokens: 5 };

/**
 * Plays one turn's script, emitting what the real server emits for the same story:
 * `thread/status/changed(active)`, `turn/started`, the user's message, the steps' items, then for a
 * completed turn `thread/tokenUsage/updated` + `account/rateLimits/updated` (unless the script's
 * last step was `usage`), `thread/status/changed(idle)` and `turn/completed`.
 */
export class TurnPlayer {
  protected readonly ctx: TurnPlayerContext;
  protected readonly turn: FakeTurn;
  protected readonly session: FakeSession;
  protected failure: TurnError | null = null;
  private readonly itemStartedAt = new Map<string, number>();
  private lastAgentMessage: ThreadItem | undefined;

  constructor(ctx: TurnPlayerContext, turn: FakeTurn) {
    this.ctx = ctx;
    this.turn = turn;
    this.session = turn.session;
  }

  /** The notifications that open a turn. */
  async announce(): Promise<void> {
    const { threadId } = this.turn;
    this.emit("thread/status/changed", {
      threadId,
      status: { type: "active", activeFlags: [] },
    });
    this.turn.started = true;
    await this.emit("turn/started", {
      threadId,
      turn: makeTurn(this.turn.id, "inProgress", [], null, this.turn.startedAt),
    });
  }

  async play(script: TurnScript, input: UserInput[], announced: boolean): Promise<void> {
    const turn = this.turn;
    let status: "completed" | "interrupted" | "failed" = "completed";
    let usageDue = false;
    let dropped = false;
    try {
      if (!announced) await this.announce();
      await this.userMessage(input);
      let lastWasUsage = false;
      for (const s of script.steps) {
        const outcome = await this.playStep(s);
        lastWasUsage = s.type === "usage";
        if (outcome === "failed") status = "failed";
        else if (outcome === "cancelled") {
          status = "interrupted";
          usageDue = true;
        } else if (outcome === "dropped") dropped = true;
        if (outcome !== "ok") break;
      }
      if (status === "completed" && !dropped) {
        if (turn.interrupted) throw new TurnInterrupted();
        await this.showSteers();
        usageDue = !lastWasUsage;
      }
    } catch (error) {
      usageDue = false;
      if (error instanceof TurnInterrupted) status = "interrupted";
      else {
        status = "failed";
        this.ctx.scriptFailed(error instanceof Error ? error : new Error(String(error)));
        await this.failTurn(
          `the fake app-server could not play its script: ${error instanceof Error ? error.message : String(error)}`,
          "other",
          false,
        );
      }
    }
    if (turn.thread.activeTurn === turn) turn.thread.activeTurn = undefined;
    if (dropped || !this.session.open) {
      turn.markEnded();
      return;
    }
    const { threadId } = turn;
    if (usageDue) await this.usage(DEFAULT_USAGE);
    // A failed turn leaves the thread in systemError, set before the `error` notification.
    if (status !== "failed") this.emit("thread/status/changed", { threadId, status: { type: "idle" } });
    const items = this.lastAgentMessage ? [this.lastAgentMessage] : [];
    try {
      await this.emit("turn/completed", {
        threadId,
        turn: makeTurn(turn.id, status, items, this.failure, turn.startedAt),
      });
    } finally {
      turn.markEnded();
    }
  }

  protected async playStep(s: TurnStep): Promise<StepOutcome> {
    if (this.turn.interrupted) throw new TurnInterrupted();
    switch (s.type) {
      case "message":
        await this.message(s);
        return "ok";
      case "reasoning":
        await this.reasoning(s.summary, s.chunks ?? 1);
        return "ok";
      case "exec":
        return this.exec(s);
      case "fileChange":
        return this.fileChange(s);
      case "approval": {
        await this.waitingOnApproval();
        const decision = await this.askCommandApproval(this.ctx.ids.item("call"), s.command, this.ctx.cwd, {
          reason: s.reason,
          availableDecisions: s.availableDecisions,
        });
        if (decision === "cancelled") return "cancelled";
        for (const next of decision === "accepted" ? s.onAccept : s.onDecline) {
          const outcome = await this.playStep(next);
          if (outcome !== "ok") return outcome;
        }
        return "ok";
      }
      case "waitForSteer":
        await waitInTurn(this.turn, { untilSteer: true });
        await this.showSteers();
        return "ok";
      case "pause":
        await waitInTurn(this.turn, { ms: s.ms });
        return "ok";
      case "usage":
        await this.usage({ inputTokens: s.inputTokens ?? 10, outputTokens: s.outputTokens ?? 5 });
        return "ok";
      case "fail":
        await this.failTurn(s.message, s.codexErrorInfo ?? "other", true);
        return "failed";
      case "hang":
        await waitInTurn(this.turn, {});
        return "ok";
      case "dropConnection":
        await this.session.drop();
        return "dropped";
      case "malformed":
        await this.session.sendRaw(s.line);
        return "ok";
      case "notify":
        await this.emit(s.method, s.params);
        return "ok";
      default:
        throw new Error(`unknown step type ${JSON.stringify((s as { type: unknown }).type)}`);
    }
  }

  private async message(s: Extract<TurnStep, { type: "message" }>): Promise<void> {
    const { threadId, id: turnId } = this.turn;
    const itemId = this.ctx.ids.item("msg");
    const phase = s.phase ?? null;
    await this.itemStarted(agentMessageItem(itemId, "", phase));
    const chunks = chunkText(s.text, s.chunks ?? 1);
    if (s.burst) {
      // Every delta has the same shape: check the first, then write them all without waiting on each.
      const params = (i: number) => ({ threadId, turnId, itemId, delta: chunks[i] });
      this.ctx.checkNotification("item/agentMessage/delta", params(0));
      await this.session.notifyBurst("item/agentMessage/delta", chunks.length, params);
    } else {
      for (const delta of chunks) {
        await this.emit("item/agentMessage/delta", { threadId, turnId, itemId, delta });
        if (this.turn.interrupted) throw new TurnInterrupted();
      }
    }
    this.lastAgentMessage = await this.itemCompleted(agentMessageItem(itemId, s.text, phase));
  }

  private async reasoning(summary: string, chunks: number | string[]): Promise<void> {
    const { threadId, id: turnId } = this.turn;
    const itemId = this.ctx.ids.item("rs");
    await this.itemStarted(reasoningItem(itemId, []));
    for (const delta of chunkText(summary, chunks)) {
      await this.emit("item/reasoning/summaryTextDelta", {
        threadId,
        turnId,
        itemId,
        delta,
        summaryIndex: 0,
      });
    }
    await this.itemCompleted(reasoningItem(itemId, [summary]));
  }

  private async exec(s: Extract<TurnStep, { type: "exec" }>): Promise<StepOutcome> {
    const { threadId, id: turnId } = this.turn;
    const itemId = this.ctx.ids.item("call");
    const cwd = s.cwd ?? this.ctx.cwd;
    if (s.approval) await this.waitingOnApproval();
    await this.itemStarted(commandItem(itemId, s.command, cwd, "inProgress", null, null));
    if (s.approval) {
      const decision = await this.askCommandApproval(itemId, s.command, cwd, s.approval, async () => {
        await this.itemCompleted(commandItem(itemId, s.command, cwd, "declined", null, null));
      });
      if (decision === "cancelled") return "cancelled";
      if (decision === "declined") return "ok";
    }
    const output = s.output === undefined ? [] : typeof s.output === "string" ? [s.output] : s.output;
    for (const delta of output) {
      if (delta.length === 0) continue;
      await this.emit("item/commandExecution/outputDelta", {
        threadId,
        turnId,
        itemId,
        delta,
      });
    }
    const exitCode = s.exitCode ?? 0;
    await this.itemCompleted(
      commandItem(itemId, s.command, cwd, exitCode === 0 ? "completed" : "failed", output.join(""), exitCode),
    );
    return "ok";
  }

  private async fileChange(s: Extract<TurnStep, { type: "fileChange" }>): Promise<StepOutcome> {
    const { threadId, id: turnId } = this.turn;
    const itemId = this.ctx.ids.item("call");
    if (s.approval) await this.waitingOnApproval();
    await this.itemStarted(fileChangeItem(itemId, s.changes, "inProgress"));
    if (s.approval) {
      const params = {
        threadId,
        turnId,
        itemId,
        startedAtMs: Date.now(),
        reason: s.approval.reason ?? null,
        grantRoot: null,
      };
      const decision = await this.ask("item/fileChange/requestApproval", params, async () => {
        await this.itemCompleted(fileChangeItem(itemId, s.changes, "declined"));
      });
      if (decision === "cancelled") return "cancelled";
      if (decision === "declined") return "ok";
    }
    await this.itemCompleted(fileChangeItem(itemId, s.changes, "completed"));
    return "ok";
  }

  private async askCommandApproval(
    itemId: string,
    command: string,
    cwd: string,
    approval: { reason?: string; availableDecisions?: unknown[] },
    onDeclined?: () => Promise<void>,
  ): Promise<Decision> {
    const amendment = execpolicyAmendment(command);
    const params = {
      kind: "command",
      threadId: this.turn.threadId,
      turnId: this.turn.id,
      itemId,
      startedAtMs: Date.now(),
      environmentId: "local",
      reason: approval.reason ?? null,
      command,
      cwd,
      commandActions: [{ type: "unknown", command: innerCommand(command) }],
      proposedExecpolicyAmendment: amendment,
      availableDecisions: approval.availableDecisions ?? [
        "accept",
        { acceptWithExecpolicyAmendment: { execpolicy_amendment: amendment } },
        "cancel",
      ],
    };
    return this.ask("item/commandExecution/requestApproval", params, onDeclined);
  }

  /**
   * Sends an approval request and waits for the answer or an interrupt. Like the real server it then
   * sends `serverRequest/resolved`, completes a declined item, and sets the thread active again.
   */
  private async ask(
    method: string,
    params: Record<string, unknown>,
    onDeclined?: () => Promise<void>,
  ): Promise<Decision> {
    this.ctx.checkRequest(method, params);
    const controller = new AbortController();
    const request = this.session.request(method, params, controller.signal);
    let offInterrupt: (() => void) | undefined;
    const interrupted = new Promise<"interrupted">((resolve) => {
      if (this.turn.interrupted) resolve("interrupted");
      offInterrupt = this.turn.onInterrupt(() => resolve("interrupted"));
    });
    const outcome = await Promise.race([
      request.answer.then(
        (result) => ({ result }),
        () => "interrupted" as const,
      ),
      interrupted,
    ]);
    offInterrupt?.();
    if (outcome === "interrupted") controller.abort();
    const requestId = await request.id;
    if (requestId !== undefined)
      await this.emit("serverRequest/resolved", {
        threadId: this.turn.threadId,
        requestId,
      });
    if (outcome === "interrupted") throw new TurnInterrupted();
    const decision = decisionOf(outcome.result);
    if (decision !== "accepted") await onDeclined?.();
    await this.emit("thread/status/changed", {
      threadId: this.turn.threadId,
      status: { type: "active", activeFlags: [] },
    });
    return decision;
  }

  private async waitingOnApproval(): Promise<void> {
    await this.emit("thread/status/changed", {
      threadId: this.turn.threadId,
      status: { type: "active", activeFlags: ["waitingOnApproval"] },
    });
  }

  protected async usage(last: TokenCounts): Promise<void> {
    const thread = this.turn.thread;
    thread.usage = {
      inputTokens: thread.usage.inputTokens + last.inputTokens,
      outputTokens: thread.usage.outputTokens + last.outputTokens,
    };
    this.emit("thread/tokenUsage/updated", {
      threadId: this.turn.threadId,
      turnId: this.turn.id,
      tokenUsage: tokenUsage(thread.usage, last),
    });
    await this.emit("account/rateLimits/updated", rateLimits());
  }

  private async failTurn(message: string, codexErrorInfo: unknown, checked: boolean): Promise<void> {
    const { threadId, id: turnId } = this.turn;
    const error = { message, codexErrorInfo, additionalDetails: null, misalignment: null } as TurnError;
    // The fake's own error report cannot be wrong: it is sent unchecked.
    const emit = (method: string, params: unknown) =>
      checked ? this.emit(method, params) : this.session.notify(method, params);
    emit("thread/status/changed", { threadId, status: { type: "systemError" } });
    await emit("error", { error, willRetry: false, threadId, turnId });
    this.failure = error;
  }

  private async showSteers(): Promise<void> {
    for (const input of this.turn.steers.splice(0)) await this.userMessage(input);
  }

  protected async userMessage(input: UserInput[]): Promise<void> {
    const item = userMessageItem(this.ctx.ids.uuidv7(), input);
    await this.itemStarted(item);
    await this.itemCompleted(item);
  }

  protected itemStarted(item: ThreadItem): Promise<void> {
    const at = Date.now();
    this.itemStartedAt.set(item.id, at);
    return this.emit("item/started", {
      item: this.withTimes(item, "started", at),
      threadId: this.turn.threadId,
      turnId: this.turn.id,
      startedAtMs: at,
    });
  }

  /** Resolves with the item as sent. */
  protected async itemCompleted(item: ThreadItem): Promise<ThreadItem> {
    const at = Date.now();
    const completed = this.withTimes(item, "completed", at);
    await this.emit("item/completed", {
      item: completed,
      threadId: this.turn.threadId,
      turnId: this.turn.id,
      contentTokenCount: null,
      completedAtMs: at,
    });
    return completed;
  }

  /** Throws at once, sending nothing, when the params fail their schema. */
  protected emit(method: string, params: unknown): Promise<void> {
    this.ctx.checkNotification(method, params);
    return this.session.notify(method, params);
  }

  /** Items carry their own `startedAtMs`/`completedAtMs`, as the real server's do. */
  private withTimes(item: ThreadItem, phase: "started" | "completed", at: number): ThreadItem {
    const startedAtMs = this.itemStartedAt.get(item.id) ?? at;
    return { ...item, startedAtMs, completedAtMs: phase === "completed" ? at : null } as ThreadItem;
  }
}

/** "accept", "acceptForSession" and the amendment objects accept; "cancel" ends the turn; anything else declines. */
function decisionOf(result: unknown): Decision {
  const decision = (result as { decision?: unknown } | null)?.decision;
  if (decision === "accept" || decision === "acceptForSession") return "accepted";
  if (decision === "cancel") return "cancelled";
  if (typeof decision === "object" && decision !== null) {
    if ("acceptWithExecpolicyAmendment" in decision || "applyNetworkPolicyAmendment" in decision)
      return "accepted";
  }
  return "declined";
}

import type { ThreadItem, ThreadTokenUsage, Turn, TurnError } from "@codex-app-server/protocol";
import type { TurnResult } from "./turnTypes.js";

/**
 * What a turn's notifications add up to as they arrive, for its result: the completed items, the
 * final answer (the last agent message that is a final answer, or has no phase), the token usage, the
 * last error the server will not retry, and the turn as `turn/completed` described it.
 */
export class TurnFold {
  readonly items: ThreadItem[] = [];
  finalText: string | null = null;
  finalItemId: string | null = null;
  usage: ThreadTokenUsage | null = null;
  lastError: TurnError | null = null;
  end: Turn | null = null;

  /** An `item/completed`. */
  item(item: ThreadItem): void {
    this.items.push(item);
    if (item.type !== "agentMessage") return;
    const phase = (item as { phase?: string | null }).phase;
    if (phase === "final_answer" || phase === null || phase === undefined) {
      this.finalText = item.text;
      this.finalItemId = item.id;
    }
  }

  /** The turn's result as folded so far. */
  result(
    ids: { threadId: string; turnId: string },
    status: TurnResult["status"],
    droppedDeltas: number,
  ): TurnResult {
    return {
      threadId: ids.threadId,
      turnId: ids.turnId,
      status,
      finalResponse: this.finalText,
      assistantItemId: this.finalItemId,
      items: this.items.slice(),
      usage: this.usage,
      error: this.end?.error ?? this.lastError,
      turn: this.end,
      droppedDeltas,
    };
  }
}

import type { ThreadItem, ThreadTokenUsage, Turn, TurnError } from "@codex-app-server/protocol";

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
}

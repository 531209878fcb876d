/** What a bare client keeps of one turn: its text as streamed, its final message, how it ended. */
export interface TurnRecord {
  deltas: string;
  finalText: string | null;
  status: string | undefined;
  threadId: string | undefined;
  done: boolean;
  wake: (() => void) | undefined;
}

interface TurnParams {
  threadId?: string;
  turnId?: string;
  turn?: { id: string; status?: string };
  delta?: string;
  item?: { type: string; text?: string };
}

/**
 * The routing a hand-written client does: every notification that names a turn (`turnId`, or
 * `turn.id` for `turn/started` and `turn/completed`) goes to that turn's record, found with one Map
 * lookup. No validation, no state machine. A record is made by whichever comes first, a notification
 * or the `turn/start` answer, since the answer and the turn's first notifications can arrive in the
 * same chunk.
 */
export class TurnRouter {
  private readonly turns = new Map<string, TurnRecord>();

  /** Hands one notification to its turn's record; anything that names no turn is dropped. */
  route(method: string | undefined, params: unknown): void {
    const p = params as TurnParams | undefined;
    const turnId = p?.turnId ?? p?.turn?.id;
    if (turnId === undefined) return;
    const record = this.record(turnId);
    switch (method) {
      case "item/agentMessage/delta":
        record.deltas += p?.delta ?? "";
        return;
      case "item/completed":
        if (p?.item?.type === "agentMessage") record.finalText = p.item.text ?? null;
        return;
      case "turn/completed":
        record.status = p?.turn?.status;
        record.threadId = p?.threadId;
        record.done = true;
        record.wake?.();
        return;
    }
  }

  /** Resolves with the turn's record once `turn/completed` has arrived, and forgets the turn. */
  async completed(turnId: string): Promise<TurnRecord> {
    const record = this.record(turnId);
    if (!record.done) {
      await new Promise<void>((resolve) => {
        record.wake = resolve;
      });
    }
    this.turns.delete(turnId);
    return record;
  }

  private record(turnId: string): TurnRecord {
    let record = this.turns.get(turnId);
    if (record === undefined) {
      record = {
        deltas: "",
        finalText: null,
        status: undefined,
        threadId: undefined,
        done: false,
        wake: undefined,
      };
      this.turns.set(turnId, record);
    }
    return record;
  }
}

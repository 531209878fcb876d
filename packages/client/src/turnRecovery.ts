import type { ThreadItem, Turn } from "@codex-app-server/protocol";
import type { ServerNotification } from "./turnTypes.js";

/** What a turn knew when its connection dropped. */
export interface DetachedTurnState {
  threadId: string;
  turnId: string;
  /** Items seen starting and completing so far. */
  started: ReadonlySet<string>;
  completed: Iterable<string>;
  /** The agent message streaming when the connection dropped, and how many characters of it were delivered. */
  streamingItemId: string | null;
  streamedChars: number;
}

/**
 * Puts a turn's event stream back together across a dropped connection, so that readers go on where
 * they were: nothing lost, nothing repeated.
 *
 * The server (checked on 0.169 to 0.171) keeps running the turn while no client is connected. The new
 * connection's `thread/resume` answers with the turn's completed items so far; then the live
 * notifications go on from where the server is: what it sent in between is not sent again (an item that
 * started while detached shows up with its remaining deltas, no `item/started`). So:
 *
 * - notifications that arrive before the `thread/resume` answer are held, then replayed after it;
 * - items of the resumed turn this turn has not seen complete are delivered (`item/started` when it was
 *   not seen, the missing end of an agent message's text as one delta, `item/completed`);
 * - an `item/started` or `item/completed` seen already is dropped (dedup by item id);
 * - an agent message whose deltas have a gap (streaming when the connection dropped, or started while
 *   detached) delivers no more live deltas: at its `item/completed` the text past what was delivered
 *   comes as one delta (dedup by delta position), then the item.
 *
 * Only a turn that went through a reconnection has one of these: the hot path of every other turn pays
 * one `undefined` check.
 */
export class TurnRecovery {
  private readonly turnId: string;
  private readonly threadId: string;
  private readonly started: Set<string>;
  private readonly completed: Set<string>;
  /** Items seen completing on the wire before the first drop: their ids tell whether the server keeps ids. */
  private readonly liveCompleted: ReadonlySet<string>;
  /** The agent message streaming at the last drop. */
  private streamingItemId: string | null;
  /** Agent messages with a gap in their deltas: characters delivered so far. */
  private readonly gaps = new Map<string, number>();
  /** Held until the `thread/resume` answer, `undefined` after it. */
  private held: ServerNotification[] | undefined = [];
  /** True while this recovery delivers its own notifications through the turn. */
  private passing = false;

  constructor(state: DetachedTurnState) {
    this.turnId = state.turnId;
    this.threadId = state.threadId;
    this.started = new Set(state.started);
    this.completed = new Set(state.completed);
    this.liveCompleted = new Set(this.completed);
    this.streamingItemId = state.streamingItemId;
    if (state.streamingItemId !== null && !this.completed.has(state.streamingItemId)) {
      this.gaps.set(state.streamingItemId, state.streamedChars);
    }
  }

  /** Dropped again before the resume answer: keep holding. After it: hold again until the next one. */
  detachedAgain(streamingItemId: string | null, streamedChars: number): void {
    this.held ??= [];
    this.streamingItemId = streamingItemId;
    if (streamingItemId !== null && !this.completed.has(streamingItemId) && !this.gaps.has(streamingItemId)) {
      this.gaps.set(streamingItemId, streamedChars);
    }
  }

  /**
   * The resumed turn (from `thread/resume`): delivers what was missed through `deliver` (the turn's
   * receive), then what was held. A turn that ended meanwhile gets its `turn/completed` too.
   *
   * Its items are the turn's completed items in order. From 0.169 they carry the ids the live
   * notifications had; 0.163 numbers them (`item-1`, `item-2`...) instead. When no id matches one seen
   * live, the items are matched by position: the first ones are those this turn saw complete, and the
   * next agent message, if one was streaming, is that one (delivered under its live id).
   */
  reattach(turn: Turn, deliver: (notification: ServerNotification) => void): void {
    const held = this.held ?? [];
    this.held = undefined;
    const byId = turn.items.some((item) => this.liveCompleted.has(item.id));
    let skip = byId ? 0 : this.completed.size;
    for (const item of turn.items) {
      if (this.completed.has(item.id)) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      const streaming = this.streamingItemId;
      const live =
        !byId && streaming !== null && item.type === "agentMessage" && this.gaps.has(streaming)
          ? { ...item, id: streaming }
          : item;
      this.pass(deliver, this.completedOf(live));
    }
    for (const notification of held) deliver(notification);
    if (turn.status !== "inProgress") {
      this.pass(deliver, {
        method: "turn/completed",
        params: { threadId: this.threadId, turn },
      } as ServerNotification);
    }
  }

  /** Whether `notification` goes on to the turn; may deliver missed pieces first. */
  admit(notification: ServerNotification, deliver: (notification: ServerNotification) => void): boolean {
    if (this.passing) return true;
    if (this.held !== undefined) {
      this.held.push(notification);
      return false;
    }
    switch (notification.method) {
      case "item/started": {
        const id = notification.params.item.id;
        if (this.started.has(id)) return false;
        this.started.add(id);
        return true;
      }
      case "item/agentMessage/delta": {
        const id = notification.params.itemId;
        if (this.gaps.has(id)) return false;
        if (!this.started.has(id)) {
          // Started while detached: its first deltas are gone; the whole text comes with the item.
          this.gaps.set(id, 0);
          return false;
        }
        return true;
      }
      case "item/completed": {
        const item = notification.params.item;
        if (this.completed.has(item.id)) return false;
        this.fillIn(item, deliver);
        this.completed.add(item.id);
        return true;
      }
      default:
        return true;
    }
  }

  /** An item of the resumed turn delivered as if it had completed live. */
  private completedOf(item: ThreadItem): ServerNotification {
    return {
      method: "item/completed",
      params: { threadId: this.threadId, turnId: this.turnId, item },
    } as ServerNotification;
  }

  /** Before an item's `item/completed`: its `item/started` if never seen, and the text missing from its deltas. */
  private fillIn(item: ThreadItem, deliver: (notification: ServerNotification) => void): void {
    if (!this.started.has(item.id)) {
      this.started.add(item.id);
      const begun = item.type === "agentMessage" ? { ...item, text: "" } : item;
      this.pass(deliver, {
        method: "item/started",
        params: { threadId: this.threadId, turnId: this.turnId, item: begun },
      } as ServerNotification);
      if (item.type === "agentMessage" && !this.gaps.has(item.id)) this.gaps.set(item.id, 0);
    }
    const delivered = this.gaps.get(item.id);
    if (delivered === undefined) return;
    this.gaps.delete(item.id);
    if (item.type !== "agentMessage" || item.text.length <= delivered) return;
    this.pass(deliver, {
      method: "item/agentMessage/delta",
      params: {
        threadId: this.threadId,
        turnId: this.turnId,
        itemId: item.id,
        delta: item.text.slice(delivered),
      },
    } as ServerNotification);
  }

  private pass(deliver: (notification: ServerNotification) => void, notification: ServerNotification): void {
    if (notification.method === "item/completed") {
      const item = notification.params.item;
      if (this.completed.has(item.id)) return;
      this.fillIn(item, deliver);
      this.completed.add(item.id);
    }
    this.passing = true;
    try {
      deliver(notification);
    } finally {
      this.passing = false;
    }
  }
}

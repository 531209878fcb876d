import type { ThreadItem, Turn } from "@codex-app-server/protocol";
import { TurnRecovery } from "./turnRecovery.js";
import type { ServerNotification } from "./turnTypes.js";

/**
 * Where a turn's stream is, for recovery after a reconnection: the items seen starting, and the agent
 * message streaming now with the characters delivered of it. Once a connection dropped it holds the
 * turn's {@link TurnRecovery}, which stitches the stream back together from there.
 */
export class TurnStreamPosition {
  private readonly threadId: string;
  private readonly turnId: string;
  private readonly started = new Set<string>();
  private streamingItemId: string | null = null;
  private streamedChars = 0;
  /** Set once the turn went through a dropped connection; every other turn pays one `undefined` check. */
  recovery: TurnRecovery | undefined;

  constructor(threadId: string, turnId: string) {
    this.threadId = threadId;
    this.turnId = turnId;
  }

  /** An `item/agentMessage/delta` of `chars` characters was delivered. */
  delta(chars: number): void {
    this.streamedChars += chars;
  }

  /** An `item/started` was delivered. */
  itemStarted(item: ThreadItem): void {
    this.started.add(item.id);
    if (item.type === "agentMessage") {
      this.streamingItemId = item.id;
      this.streamedChars = 0;
    }
  }

  /** The connection dropped: `completed` are the items the turn saw complete. */
  detach(completed: readonly ThreadItem[]): void {
    if (this.recovery === undefined) {
      this.recovery = new TurnRecovery({
        threadId: this.threadId,
        turnId: this.turnId,
        started: this.started,
        completed: completed.map((item) => item.id),
        streamingItemId: this.streamingItemId,
        streamedChars: this.streamedChars,
      });
    } else {
      this.recovery.detachedAgain(this.streamingItemId, this.streamedChars);
    }
  }

  /** The thread was resumed on a new connection: see {@link TurnRecovery.reattach}. */
  reattach(turn: Turn, deliver: (notification: ServerNotification) => void): void {
    this.recovery?.reattach(turn, deliver);
  }
}

import type { Thread, UserInput } from "@codex-app-server/protocol";
import type { FakeSession } from "./fakeSession.js";
import type { TokenCounts } from "./payloads.js";

/** A thread the fake knows about. `usage` adds up the token counts of its model calls. */
export interface FakeThread {
  thread: Thread;
  activeTurn: FakeTurn | undefined;
  usage: TokenCounts;
}

/** What a turn does: a regular turn (`turn/start`), a compaction (`thread/compact/start`) or a review (`review/start`). */
export type FakeTurnKind = "regular" | "compact" | "review";

/** A running turn: where its notifications go, its steers, and whether it was interrupted. */
export class FakeTurn {
  readonly id: string;
  readonly thread: FakeThread;
  readonly session: FakeSession;
  readonly startedAt: number;
  readonly kind: FakeTurnKind;
  /**
   * The id `turn/interrupt` must name. The turn's own id, except for a review: like the real server,
   * its `turn/started` names an inner turn (whose `rootTurnId` is the review's id), and that is the
   * active turn.
   */
  readonly activeId: string;
  /** Resolves once the turn's `turn/completed` was sent (or it was dropped). */
  readonly ended: Promise<void>;
  private resolveEnded!: () => void;
  /** Steer inputs not shown yet as `userMessage` items. */
  readonly steers: UserInput[][] = [];
  private isInterrupted = false;
  /** `turn/started` was sent: like the real server, `turn/interrupt` is refused until then. */
  started = false;
  private readonly interruptListeners = new Set<() => void>();
  private readonly steerListeners = new Set<() => void>();

  constructor(
    id: string,
    thread: FakeThread,
    session: FakeSession,
    startedAt: number,
    kind: FakeTurnKind = "regular",
    activeId: string = id,
  ) {
    this.id = id;
    this.thread = thread;
    this.session = session;
    this.startedAt = startedAt;
    this.kind = kind;
    this.activeId = activeId;
    this.ended = new Promise<void>((resolve) => {
      this.resolveEnded = resolve;
    });
  }

  /** The turn is over: the thread may start the next one. */
  markEnded(): void {
    if (this.thread.activeTurn === this) this.thread.activeTurn = undefined;
    this.resolveEnded();
  }

  get threadId(): string {
    return this.thread.thread.id;
  }

  get interrupted(): boolean {
    return this.isInterrupted;
  }

  interrupt(): void {
    if (this.isInterrupted) return;
    this.isInterrupted = true;
    for (const listener of [...this.interruptListeners]) listener();
  }

  steer(input: UserInput[]): void {
    this.steers.push(input);
    for (const listener of [...this.steerListeners]) listener();
  }

  onInterrupt(listener: () => void): () => void {
    this.interruptListeners.add(listener);
    return () => this.interruptListeners.delete(listener);
  }

  onSteer(listener: () => void): () => void {
    this.steerListeners.add(listener);
    return () => this.steerListeners.delete(listener);
  }
}

/** Thrown inside a turn's playback when the turn was interrupted. */
export class TurnInterrupted extends Error {
  constructor() {
    super("the turn was interrupted");
  }
}
Object.defineProperty(TurnInterrupted, "name", { value: "TurnInterrupted" }); // pinned: the packages are built without keepNames

/**
 * Waits `ms` (or forever), until a steer arrives (with `untilSteer`), or until the turn is
 * interrupted, which rejects with {@link TurnInterrupted}. Listeners and the timer are removed on
 * every path.
 */
export function waitInTurn(turn: FakeTurn, options: { ms?: number; untilSteer?: boolean }): Promise<void> {
  if (turn.interrupted) return Promise.reject(new TurnInterrupted());
  if (options.untilSteer && turn.steers.length > 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = options.ms === undefined ? undefined : setTimeout(finish, options.ms);
    const offInterrupt = turn.onInterrupt(() => {
      cleanup();
      reject(new TurnInterrupted());
    });
    const offSteer = options.untilSteer ? turn.onSteer(finish) : undefined;
    function cleanup() {
      clearTimeout(timer);
      offInterrupt();
      offSteer?.();
    }
    function finish() {
      cleanup();
      resolve();
    }
  });
}

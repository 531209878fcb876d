import type { CodexValidationError, Thread, Turn } from "@codex-app-server/protocol";
import { routeReadersOf } from "@codex-app-server/protocol";
import { AsyncQueue } from "./asyncQueue.js";
import type { ServerRequestBroker } from "./serverRequestBroker.js";
import type { ThreadRegistry } from "./threadRegistry.js";
import type { TurnHandle } from "./turnHandle.js";
import type { ServerNotification } from "./turnTypes.js";

/** Finished turn handles kept so that continuations and cancels of them still resolve. */
const FINISHED_TURNS_KEPT = 256;

/** Notifications of a thread that arrive while its `turn/start` is in flight (before the turn's id is known). */
export interface EarlyBuffer {
  notifications: ServerNotification[];
  overflowed: boolean;
  /** A notification of the coming turn failed strict validation: the turn fails with this at once. */
  invalid?: CodexValidationError;
  /**
   * The turn the first `turn/started` held here named: how a compaction, whose `thread/compact/start`
   * answers `{}`, makes its turn known. (Not any turn id: a finished turn's late notification, such as
   * its token usage, may come first.)
   */
  startedTurnId?: string;
  /** Told once, when `startedTurnId` is set. */
  onStarted?: (turnId: string) => void;
  /** Told when the start is released (answered or failed): server requests that wait for the turn. */
  released?: Array<() => void>;
  /**
   * The connection dropped while the start was in flight, and the server lives on: how many of
   * `notifications` came before the drop. The start then looks for its turn in the resumed thread.
   */
  cutAt?: number;
  /** After a cut (`cutAt`): the thread as the server had it when the new connection resumed it. */
  resumed?: Thread;
}

/**
 * Routes every server notification: to its turn (by the protocol's routing metadata: one map lookup
 * for the method's id readers, nothing allocated; and no lookup of the turn while a stream's
 * notifications all name the same one), to its thread's actor, and to the client's listeners. Holds the running turns and the recently finished ones.
 */
export class NotificationRouter {
  readonly listeners = new Set<(notification: ServerNotification) => void>();
  private readonly streams = new Set<AsyncQueue<ServerNotification>>();
  private readonly turns = new Map<string, TurnHandle>();
  private readonly finishedTurns = new Map<string, TurnHandle>();
  private readonly turnStarts = new Map<string, EarlyBuffer>();
  private readonly threads: ThreadRegistry;
  private readonly broker: ServerRequestBroker;
  private readonly maxEarly: number;
  /** The turn the last routed notification went to: a stream's notifications all name the same one. */
  private lastTurn: TurnHandle | undefined;

  constructor(threads: ThreadRegistry, broker: ServerRequestBroker, maxEarly: number) {
    this.threads = threads;
    this.broker = broker;
    this.maxEarly = maxEarly;
  }

  /** A running turn, or one of the recently finished. */
  turn(turnId: string): TurnHandle | undefined {
    return this.turns.get(turnId) ?? this.finishedTurns.get(turnId);
  }

  /** A running turn. */
  runningTurn(turnId: string): TurnHandle | undefined {
    return this.turns.get(turnId);
  }

  get runningTurns(): IterableIterator<TurnHandle> {
    return this.turns.values();
  }

  /** Every notification from now on, as a stream that ends at {@link endStreams}. */
  stream(
    options: { signal?: AbortSignal },
    closedError: () => Error | undefined,
  ): AsyncIterableIterator<ServerNotification> {
    const queue = new AsyncQueue<ServerNotification>();
    const listener = (notification: ServerNotification) => queue.push(notification);
    this.listeners.add(listener);
    this.streams.add(queue);
    return queue.iterate({
      signal: options.signal,
      onDone: () => {
        this.listeners.delete(listener);
        this.streams.delete(queue);
      },
      closedError,
    });
  }

  /** The connection ended: every stream ends, with `error` when it failed. */
  endStreams(error: Error | undefined): void {
    for (const stream of this.streams) stream.end(error);
  }

  /**
   * A notification that failed strict validation was not delivered. Returns the running turn it
   * belongs to (which must fail at once: its `turn/completed` may be the message that was dropped); a
   * turn still being started fails with it once it is known.
   */
  invalidNotification(error: CodexValidationError): TurnHandle | undefined {
    const { threadId, turnId } = error.route;
    if (turnId === undefined) return undefined;
    const turn = this.turns.get(turnId);
    if (turn !== undefined) return turn;
    const early = threadId === undefined ? undefined : this.turnStarts.get(threadId);
    if (early !== undefined) early.invalid ??= error;
    return undefined;
  }

  /** The hot path: one notification from the peer. */
  route(notification: ServerNotification): void {
    if (this.listeners.size) for (const listener of this.listeners) listener(notification);
    this.deliver(notification, true);
  }

  /** `turn/start` is about to be sent on this thread: hold its turn's notifications until the answer. */
  holdTurnStart(threadId: string): EarlyBuffer {
    const early: EarlyBuffer = { notifications: [], overflowed: false };
    this.turnStarts.set(threadId, early);
    return early;
  }

  /** The buffer of a thread whose `turn/start` is in flight. */
  heldTurnStart(threadId: string): EarlyBuffer | undefined {
    return this.turnStarts.get(threadId);
  }

  releaseTurnStart(threadId: string): void {
    const early = this.turnStarts.get(threadId);
    this.turnStarts.delete(threadId);
    for (const resume of early?.released ?? []) resume();
  }

  /**
   * The actor of a running turn. For a turn not known yet while a `turn/start` is in flight on its
   * thread (the server may ask for an approval before the client has read the answer), a promise of
   * it, settled after the start is released: the starter adds the turn in the same synchronous step,
   * before this promise's continuation runs. `undefined` when the turn is not (or no longer) running.
   */
  runningTurnActor(
    turnId: string,
    threadId: string | null,
  ): TurnHandle["actor"] | undefined | Promise<TurnHandle["actor"] | undefined> {
    const turn = this.turns.get(turnId);
    if (turn !== undefined) return turn.actor;
    const early = threadId === null ? undefined : this.turnStarts.get(threadId);
    if (early === undefined) return undefined;
    const released = early.released ?? [];
    early.released = released;
    return new Promise<void>((resolve) => released.push(resolve)).then(() => this.turns.get(turnId)?.actor);
  }

  /** The connection dropped (the server lives on): every turn start in flight is cut, after what it held so far. */
  cutTurnStarts(): void {
    for (const early of this.turnStarts.values()) early.cutAt ??= early.notifications.length;
  }

  /**
   * A turn whose start the connection cut, found in its thread as the new connection resumed it
   * (`resumed`). Like a running turn across a drop: what arrived before the cut, then the turn detaches,
   * takes what arrived after it (held), and goes on from the resumed turn.
   */
  adoptTurn(turn: TurnHandle, early: EarlyBuffer, resumed: Turn, reason: string): void {
    this.turns.set(turn.turnId, turn);
    const notifications = early.notifications;
    const cutAt = early.cutAt ?? notifications.length;
    for (let i = 0; i < cutAt; i++) this.deliver(notifications[i] as ServerNotification, false);
    turn._detach(reason);
    for (let i = cutAt; i < notifications.length; i++) {
      this.deliver(notifications[i] as ServerNotification, false);
    }
    turn._reattach(resumed);
  }

  /** The turn's handle exists: route to it, and replay what arrived early. */
  addTurn(turn: TurnHandle, early: EarlyBuffer): void {
    this.turns.set(turn.turnId, turn);
    for (const notification of early.notifications) this.deliver(notification, false);
  }

  /** The turn ended: it moves to the finished turns. */
  turnEnded(turn: TurnHandle): void {
    this.turns.delete(turn.turnId);
    if (this.lastTurn === turn) this.lastTurn = undefined;
    this.finishedTurns.set(turn.turnId, turn);
    if (this.finishedTurns.size > FINISHED_TURNS_KEPT) {
      const oldest = this.finishedTurns.keys().next().value as string;
      this.finishedTurns.delete(oldest);
    }
  }

  private deliver(notification: ServerNotification, live: boolean): void {
    if (notification.method === "serverRequest/resolved") {
      this.broker.withdraw(String(notification.params.requestId));
      return;
    }
    // After a reconnection, a request the server has not asked again ends when its item does.
    if (notification.method === "item/completed" && this.broker.hasOrphans) {
      this.broker.itemCompleted(notification.params.item.id);
    }
    const readers = routeReadersOf(notification.method);
    if (readers === undefined) return;
    const params = notification.params;
    const turnId = readers.turnId(params);
    if (turnId !== undefined) {
      let turn = this.lastTurn;
      if (turn?.turnId !== turnId) {
        turn = this.turns.get(turnId);
        if (turn !== undefined) this.lastTurn = turn;
      }
      if (turn === undefined && notification.method === "turn/started") {
        // A review's turn/started names an inner turn whose root is the review's turn.
        const root = notification.params.turn.rootTurnId;
        if (root) turn = this.turns.get(root);
      }
      if (turn !== undefined) {
        turn._receive(notification);
        return;
      }
      const threadId = live ? readers.threadId(params) : undefined;
      if (threadId !== undefined) {
        const early = this.turnStarts.get(threadId);
        if (early !== undefined) {
          if (early.notifications.length < this.maxEarly) early.notifications.push(notification);
          else early.overflowed = true;
          if (notification.method === "turn/started" && early.startedTurnId === undefined) {
            early.startedTurnId = turnId;
            early.onStarted?.(turnId);
          }
          return;
        }
      }
    }
    const threadId = readers.threadId(params);
    if (threadId !== undefined) this.threadNotification(threadId, notification);
  }

  private threadNotification(threadId: string, notification: ServerNotification): void {
    const thread = this.threads.get(threadId);
    if (thread === undefined) return;
    const actor = thread.actor;
    switch (notification.method) {
      case "thread/settings/updated":
        thread._settingsReported(notification.params.threadSettings);
        return;
      case "thread/status/changed":
        thread._statusReported(notification.params.status);
        return;
      case "thread/closed":
        actor.send({ type: "closed", reason: "the server closed the thread" });
        return;
      case "thread/archived":
        actor.send({ type: "archived" });
        return;
      case "thread/unarchived":
        actor.send({ type: "unarchived" });
        return;
    }
  }
}

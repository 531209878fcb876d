import type { Turn, TurnSteerResponse } from "@codex-app-server/protocol";
import type { ChatContinuation } from "./continuation.js";
import { CodexEventsDroppedError, CodexInvalidStateError, CodexTurnInactiveError } from "./errors.js";
import type { Input } from "./inputs.js";
import { normalizeInput } from "./inputs.js";
import { topState } from "./machines/topState.js";
import type { TurnActorRef, TurnStateName } from "./machines/turnMachine.js";
import type { ConversationStep } from "./steps.js";
import { isStepItem, toConversationStep } from "./steps.js";
import { TurnActivity } from "./turnActivity.js";
import { waitForTurnEnd } from "./turnEnd.js";
import { TurnEventLog } from "./turnEventLog.js";
import { TurnFold } from "./turnFold.js";
import type { TurnCursorSource, TurnReadOptions } from "./turnReader.js";
import { readTurn } from "./turnReader.js";
import { TurnStreamPosition } from "./turnStreamPosition.js";
import type { ServerNotification, TurnKind, TurnResult } from "./turnTypes.js";

export type { TurnActorRef };

export type { TurnReadOptions } from "./turnReader.js";

/** What a turn needs from its client. */
export interface TurnHost {
  /** The turn ended (final state reached); the client updates its thread and registries. */
  turnEnded(turn: TurnHandle): void;
}

export interface TurnHandleOptions {
  /** Unread events kept at most; past it, deltas are dropped (items, steps and the result stay whole). */
  maxUnreadEvents: number;
  /** Told once when a turn starts dropping deltas. */
  onError(error: Error): void;
  /** What the turn does. Default `turn`. */
  kind?: TurnKind;
}

const isDelta = (method: string): boolean => method.endsWith("Delta") || method.endsWith("/delta");

/**
 * A running (or finished) turn: its actor, its events behind one cursor, and its controls.
 * `events()`, `steps()` and `textDeltas()` are views over the same cursor: one reader at a time.
 */
export class TurnHandle {
  readonly threadId: string;
  readonly turnId: string;
  readonly actor: TurnActorRef;
  /** A turn (`thread.turn()`), a compaction (`thread.compact()`) or a review (`thread.startReview()`). */
  readonly kind: TurnKind;

  private readonly host: TurnHost;
  private readonly log = new TurnEventLog<ServerNotification>();
  private readonly fold = new TurnFold();
  private reading = false;
  private readMode: ChatContinuation["mode"] = "stream";
  private ended = false;
  private readonly activity: TurnActivity;
  private steerIds = 0;
  private readonly options: TurnHandleOptions;
  private dropped = 0;
  private readonly position: TurnStreamPosition;

  /** @internal Created by the client once `turn/start` answered. */
  constructor(
    host: TurnHost,
    actor: TurnActorRef,
    threadId: string,
    turnId: string,
    options: TurnHandleOptions = { maxUnreadEvents: Number.POSITIVE_INFINITY, onError: () => {} },
  ) {
    this.host = host;
    this.actor = actor;
    this.threadId = threadId;
    this.turnId = turnId;
    this.options = options;
    this.kind = options.kind ?? "turn";
    this.position = new TurnStreamPosition(threadId, turnId);
    this.activity = new TurnActivity(actor, () => this.ended);
    actor.on("inactive", () => this.log.interruptWait());
  }

  /**
   * Deltas dropped because nobody read this turn while `maxUnreadEvents` events were waiting. Items,
   * steps and the result are never dropped; only the streamed pieces of text and output are.
   */
  get droppedDeltas(): number {
    return this.dropped;
  }

  /** The inactivity timeout in force (a reader's override while it reads); `null`: none. */
  get inactivityTimeoutMs(): number | null {
    return this.actor.getSnapshot().context.inactivityTimeoutMs;
  }

  /** The turn actor's top-level state. */
  get state(): TurnStateName {
    return topState(this.actor.getSnapshot().value) as TurnStateName;
  }

  /** True while a server request (approval, question) of this turn waits for an answer. */
  get awaitingRequest(): boolean {
    return this.actor.getSnapshot().context.pendingRequests.length > 0;
  }

  /** How many of this turn's events were consumed. */
  get cursor(): number {
    return this.log.cursor;
  }

  /** Events received and not yet read. */
  get unread(): number {
    return this.log.unread;
  }

  get isFinished(): boolean {
    return this.ended;
  }

  /** @internal The hot path: one routed notification of this turn. */
  _receive(notification: ServerNotification): void {
    if (this.ended) return;
    const recovery = this.position.recovery;
    if (recovery !== undefined && !recovery.admit(notification, this.receive)) return;
    this.activity.seen();
    switch (notification.method) {
      case "item/agentMessage/delta":
        this.position.delta(notification.params.delta.length);
        break;
      case "item/started":
        this.position.itemStarted(notification.params.item);
        break;
      case "item/completed":
        this.fold.item(notification.params.item);
        break;
      case "thread/tokenUsage/updated":
        this.fold.usage = notification.params.tokenUsage;
        break;
      case "error":
        if (!notification.params.willRetry) this.fold.lastError = notification.params.error;
        break;
      case "turn/started":
        // A review's turn/started names its inner turn: the one `turn/interrupt` must name.
        this.actor.send({ type: "turn.started", activeTurnId: notification.params.turn.id });
        // Entering `streaming` started a fresh inactivity timer: this chunk's activity is counted.
        this.activity.restarted();
        break;
      case "turn/completed": {
        const turn = notification.params.turn;
        this.fold.end = turn;
        this.log.push(notification);
        this.actor.send({
          type: "turn.completed",
          status: turn.status,
          error: turn.error ?? this.fold.lastError,
        });
        if (turn.status !== "inProgress") this.finish();
        return;
      }
    }
    if (this.log.unread >= this.options.maxUnreadEvents && isDelta(notification.method)) {
      if (this.dropped++ === 0) {
        this.options.onError(new CodexEventsDroppedError(this.turnId, this.options.maxUnreadEvents));
      }
      return;
    }
    this.log.push(notification);
  }

  /** @internal The connection died: the turn fails with `error`, readers and waiters settle with it. */
  _fail(error: Error & { code?: string | number }): void {
    if (this.ended) return;
    this.actor.send({
      type: "transport.failed",
      code: error.code ?? "connection_closed",
      message: error.message,
    });
    this.finish(error);
  }

  /** @internal The connection dropped and the client reconnects: the turn goes `detached`. */
  _detach(reason: string): void {
    if (this.ended) return;
    this.position.detach(this.fold.items);
    this.actor.send({ type: "connection.lost", message: reason });
  }

  /**
   * @internal The thread was resumed on a new connection: `turn` is this turn as the server has it now.
   * What completed meanwhile is delivered, and the turn streams again (or ends, if it ended meanwhile).
   */
  _reattach(turn: Turn): void {
    if (this.ended || this.position.recovery === undefined) return;
    this.actor.send({ type: "connection.restored" });
    this.position.reattach(turn, this.receive);
  }

  private readonly receive = (notification: ServerNotification): void => this._receive(notification);

  /** Every notification of this turn, from the cursor on. */
  events(options: TurnReadOptions = {}): AsyncIterableIterator<ServerNotification> {
    return this.read((n) => n, options, "stream");
  }

  /** Completed, non-delta items as conversation steps. */
  steps(options: TurnReadOptions = {}): AsyncIterableIterator<ConversationStep> {
    return this.read((n) => this.stepOf(n), options, "stream");
  }

  /** The assistant's text as it streams (`item/agentMessage/delta`). */
  textDeltas(options: TurnReadOptions = {}): AsyncIterableIterator<string> {
    return this.read(
      (n) => (n.method === "item/agentMessage/delta" ? n.params.delta : undefined),
      options,
      "stream",
    );
  }

  /**
   * Waits for the turn to end and returns its result. Events not yet read are consumed (they are
   * folded into the result as they arrive).
   */
  async result(options: TurnReadOptions = {}): Promise<TurnResult> {
    for await (const _ of this.read(() => undefined, options, "once")) {
      // Folding happens in _receive; reading only moves the cursor and watches for inactivity.
    }
    return this.snapshotResult();
  }

  /**
   * Adds input to the running turn (`turn/steer` with this turn as the expected one). Accepted while
   * the turn is `starting` (sent once the server has started it) or `streaming`; the turn's machine
   * sends it and abandons it if the turn is interrupted or ends first. A compaction or a review cannot
   * be steered (`CodexInvalidStateError`, nothing sent).
   */
  steer(input: Input): Promise<TurnSteerResponse> {
    const id = String(++this.steerIds);
    const event = { type: "steer", id, input: normalizeInput(input) } as const;
    try {
      if (this.kind !== "turn") {
        throw new CodexInvalidStateError(
          `turn:${this.turnId}`,
          this.state,
          "steer",
          `a ${this.kind} cannot be steered (the server refuses it)`,
        );
      }
      this.assertAccepts(event, "steer", "steering is accepted while the turn is starting or streaming");
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<TurnSteerResponse>((resolve, reject) => {
      const subscription = this.actor.on("steer.settled", (settled) => {
        if (settled.id !== id) return;
        subscription.unsubscribe();
        if (settled.response) resolve(settled.response);
        else if (settled.reason === "refused") reject(settled.error);
        else reject(this.steerAbandoned(settled.reason));
      });
      this.actor.send(event);
    });
  }

  /**
   * Interrupts the turn and waits for it to end (`interrupting` until `turn/completed`). On a turn that
   * already ended, returns its result at once. Asked for before the server started the turn, the
   * interrupt is held until it has. `timeoutMs` (default: the client's request timeout) bounds the wait
   * for `turn/completed`: past it the turn is `unresponsive` and this rejects with `CodexTimeoutError`.
   */
  async interrupt(options: { timeoutMs?: number | null; signal?: AbortSignal } = {}): Promise<TurnResult> {
    if (!this.ended) {
      this.assertAccepts({ type: "interrupt" }, "interrupt");
      if (this.state !== "interrupting") {
        this.actor.send(
          options.timeoutMs === undefined
            ? { type: "interrupt" }
            : { type: "interrupt", timeoutMs: options.timeoutMs },
        );
      }
      await waitForTurnEnd(this.actor, this.turnId, options.signal);
    }
    return this.snapshotResult();
  }

  /**
   * Resumes a turn that went inactive. With a continuation, its cursor must match this turn's.
   * A turn that ended while inactive needs no resume: readers drain what is left.
   */
  resume(continuation?: ChatContinuation): void {
    if (continuation && (continuation.turnId !== this.turnId || continuation.cursor !== this.log.cursor)) {
      throw new CodexInvalidStateError(
        `turn:${this.turnId}`,
        this.state,
        "resume",
        `the continuation is for turn ${continuation.turnId} at cursor ${continuation.cursor}, ` +
          `this turn is at cursor ${this.log.cursor}`,
      );
    }
    if (this.ended) return;
    this.assertAccepts({ type: "resume" }, "resume", "only an inactive turn can be resumed");
    this.actor.send({ type: "resume" });
  }

  /** A continuation token for this turn at the current cursor. */
  continuation(mode: ChatContinuation["mode"] = this.readMode): ChatContinuation {
    return { threadId: this.threadId, turnId: this.turnId, cursor: this.log.cursor, mode };
  }

  /** Takes every unread event (moves the cursor to the end). */
  drainUnread(): ServerNotification[] {
    return this.log.drain();
  }

  /** The result so far (final once the turn ended). */
  snapshotResult(): TurnResult {
    const state = this.state;
    const status = state === "completed" || state === "interrupted" ? state : "failed";
    return this.fold.result(this, this.ended ? status : "inProgress", this.dropped);
  }

  /** Converts a notification to a step, if it is a completed step item. */
  stepOf(n: ServerNotification): ConversationStep | undefined {
    if (n.method !== "item/completed" || !isStepItem(n.params.item)) return undefined;
    return toConversationStep(n.params.item, this.threadId, this.turnId);
  }

  /**
   * @internal Reads with a mode (chat: "stream", chatOnce: "once"); see {@link readTurn}.
   */
  read<T>(
    pick: (n: ServerNotification) => T | undefined,
    options: TurnReadOptions,
    mode: ChatContinuation["mode"],
  ): AsyncIterableIterator<T> {
    return readTurn(this.cursorSource, pick, options, mode);
  }

  /** What a reader needs of this turn. */
  private readonly cursorSource: TurnCursorSource = {
    log: this.log,
    describe: () => ({ actorId: `turn:${this.turnId}`, state: this.state, turnId: this.turnId }),
    begin: (mode, inactivityTimeoutMs) => {
      if (this.reading) {
        throw new CodexInvalidStateError(
          `turn:${this.turnId}`,
          this.state,
          "read",
          "another reader is consuming this turn",
        );
      }
      if (this.isInactive()) throw this.inactiveError(mode);
      this.reading = true;
      this.readMode = mode;
      const previous = this.inactivityTimeoutMs;
      if (inactivityTimeoutMs !== undefined && inactivityTimeoutMs !== previous) {
        this.actor.send({ type: "inactivity.set", timeoutMs: inactivityTimeoutMs });
      }
      return () => {
        this.reading = false;
        if (!this.ended && this.inactivityTimeoutMs !== previous) {
          this.actor.send({ type: "inactivity.set", timeoutMs: previous });
        }
      };
    },
    inactiveError: (mode) => (this.isInactive() ? this.inactiveError(mode) : undefined),
  };

  private isInactive(): boolean {
    return this.actor.getSnapshot().value === "inactive";
  }

  private inactiveError(mode: ChatContinuation["mode"]): CodexTurnInactiveError {
    return new CodexTurnInactiveError(this.continuation(mode), this.inactivityTimeoutMs ?? 0);
  }

  private steerAbandoned(reason: "interrupting" | "ended" | undefined): CodexInvalidStateError {
    return new CodexInvalidStateError(
      `turn:${this.turnId}`,
      this.state,
      "steer",
      reason === "interrupting"
        ? "the turn is being interrupted: the steer was not applied"
        : "the turn ended before the steer was applied",
    );
  }

  private assertAccepts(event: Parameters<TurnActorRef["send"]>[0], name: string, hint?: string): void {
    if (!this.actor.getSnapshot().can(event)) {
      throw new CodexInvalidStateError(`turn:${this.turnId}`, this.state, name, hint);
    }
  }

  private finish(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.log.end(error);
    this.host.turnEnded(this);
  }
}

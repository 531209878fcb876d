import type {
  CodexVersion,
  InitializeResponse,
  ReviewStartParams,
  ThreadArchiveResponse,
  ThreadUnsubscribeResponse,
  TurnSteerResponse,
} from "@codex-app-server/protocol";
import { CodexValidationError } from "@codex-app-server/protocol";
import type { ClientPeer, ConnectionClosedError, Transport } from "@codex-app-server/transport";
import type { Actor } from "xstate";
import { AsyncQueue } from "./asyncQueue.js";
import { ClientConnection } from "./connection.js";
import type { StdioConnectOptions, WebSocketConnectOptions } from "./connectOptions.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, initializeWithin, stdioTransportOptionsOf } from "./connectOptions.js";
import type { ChatContinuation } from "./continuation.js";
import {
  cancelTurn,
  chatRequestOf,
  finalTextFromThreadRead,
  interruptOnAbort,
  readToEnd,
  throwIfAborted,
  unknownTurn,
} from "./conversation.js";
import { CodexInvalidStateError, CodexTurnFailedError, CodexUsageError } from "./errors.js";
import type { Input } from "./inputs.js";
import { normalizeInput } from "./inputs.js";
import type { ClientMachine } from "./machines/clientMachine.js";
import { NotificationRouter } from "./notificationRouter.js";
import type {
  ChatOptions,
  CodexClientOptions,
  ThreadConfig,
  ThreadDefaults,
  ThreadForkConfig,
  ThreadResumeConfig,
  TurnOverrides,
} from "./options.js";
import { clientOptionsOf } from "./options.js";
import type { ReconnectHost } from "./reconnectResume.js";
import { detachAll, lostTurnError, resumeAll } from "./reconnectResume.js";
import { CodexRequestApi, omitUndefined } from "./requestApi.js";
import type { CancelResult, ChatResult } from "./results.js";
import type {
  ApprovalStreamOptions,
  ObservedServerRequest,
  PendingServerRequest,
} from "./serverRequestBroker.js";
import { ServerRequestBroker } from "./serverRequestBroker.js";
import type { ServerRequestHandler, ServerRequestMethod } from "./serverRequests.js";
import { SERVER_REQUEST_KINDS } from "./serverRequests.js";
import { warnOnce } from "./serverVersion.js";
import type { ConversationStep } from "./steps.js";
import type { ThreadHandle, ThreadHost } from "./threadHandle.js";
import { ThreadRegistry } from "./threadRegistry.js";
import { settingsOfResponse } from "./threadSettings.js";
import type { InterruptTurnOptions, TurnControlHost } from "./turnControl.js";
import { interruptTurnById, steerTurnById } from "./turnControl.js";
import type { TurnHandle } from "./turnHandle.js";
import type { TurnStarter } from "./turnStarter.js";
import { beginTurn, compactionRequest, reviewRequest, startTurn } from "./turnStarter.js";
import type { ServerNotification, TurnResult } from "./turnTypes.js";

/** Node's `util.inspect.custom`, from the symbol registry: the package imports nothing from Node. */
const INSPECT: unique symbol = Symbol.for("nodejs.util.inspect.custom");

const DEFAULT_INACTIVITY_TIMEOUT_MS = 180_000;
const DEFAULT_MAX_EARLY_NOTIFICATIONS = 10_000;
const DEFAULT_MAX_IDLE_THREADS = 1_000;
const DEFAULT_MAX_UNREAD_EVENTS = 100_000;

/**
 * A client of `codex app-server`. Its root actor (`clientMachine`) owns one actor per thread, each
 * thread owns its turns, each turn its steers and server requests. The connection, the notification
 * router and the server-request broker do the work; this class is the public API.
 */
export class CodexClient extends CodexRequestApi implements AsyncDisposable, ThreadHost {
  readonly requestTimeoutMs: number | null;
  readonly inactivityTimeoutMs: number | null;
  protected readonly options: CodexClientOptions;
  protected readonly connection: ClientConnection;
  private readonly broker: ServerRequestBroker;
  private readonly threads: ThreadRegistry;
  private readonly router: NotificationRouter;
  private readonly notificationStreams = new Set<AsyncQueue<ServerNotification>>();
  private readonly turnStarter: TurnStarter;

  constructor(transport: Transport, allOptions: CodexClientOptions = {}) {
    super();
    // Only the client's own options are kept: never a transport's token, headers or env.
    const options = clientOptionsOf(allOptions);
    this.options = options;
    this.inactivityTimeoutMs =
      options.inactivityTimeoutMs === undefined ? DEFAULT_INACTIVITY_TIMEOUT_MS : options.inactivityTimeoutMs;
    const onError = (error: Error) => this.options.onError?.(error);
    this.broker = new ServerRequestBroker(
      {
        turnActor: (turnId) => this.router.runningTurn(turnId)?.actor,
        rootActor: () => this.connection.actor,
        onError,
        closedError: () => this.connection.closedError,
      },
      options.onServerRequest,
    );
    this.connection = new ClientConnection(transport, options, {
      decide: this.broker.decide,
      closed: (error, byUs) => this.onClosed(error, byUs),
      peerError: (error) => this.onPeerError(error),
      warning: (warning) => {
        const hook = this.options.onWarning ?? this.options.onError;
        if (hook !== undefined) hook(warning);
        else warnOnce(warning);
      },
      lost: (error, info) => detachAll(this.reconnectHost, error, info),
      resume: (signal) => resumeAll(this.reconnectHost, signal),
    });
    this.requestTimeoutMs = this.connection.requestTimeoutMs;
    this.threads = new ThreadRegistry(
      this.connection.actor,
      this,
      options.maxIdleThreads ?? DEFAULT_MAX_IDLE_THREADS,
      (thread) => void this.releaseThread(thread.id).catch(onError),
    );
    this.router = new NotificationRouter(
      this.threads,
      this.broker,
      options.maxEarlyNotifications ?? DEFAULT_MAX_EARLY_NOTIFICATIONS,
    );
    this.turnStarter = {
      connection: this.connection,
      threads: this.threads,
      router: this.router,
      turnHost: { turnEnded: (turn: TurnHandle) => this.onTurnEnded(turn) },
      inactivityTimeoutMs: this.inactivityTimeoutMs,
      maxUnreadEvents: options.maxUnreadEvents ?? DEFAULT_MAX_UNREAD_EVENTS,
      maxEarlyNotifications: options.maxEarlyNotifications ?? DEFAULT_MAX_EARLY_NOTIFICATIONS,
      onError: (error) => this.options.onError?.(error),
      failInvalid: (turn, error) => this.failInvalidTurn(turn, error),
      resume: async (thread) => {
        const response = await this.request("thread/resume", { threadId: thread.id });
        this.threads.adopt(response.thread, "resume", settingsOfResponse(response), thread);
      },
    };
    const peer = this.connection.peer;
    peer.onNotification((message) => this.router.route(message as ServerNotification));
    for (const method of Object.keys(SERVER_REQUEST_KINDS) as ServerRequestMethod[]) {
      peer.setRequestHandler(
        method,
        (params, context) => this.broker.handle(method, params, context) as never,
      );
    }
  }

  /**
   * Spawns `codex app-server` over stdio (Node only) and initializes, within `connectTimeoutMs`.
   * `command` is the program, or the whole argv (`["codex", "app-server"]`).
   */
  static async connectStdio(options: StdioConnectOptions = {}): Promise<CodexClient> {
    const transportOptions = stdioTransportOptionsOf(options);
    const { StdioTransport } = await import("@codex-app-server/transport/stdio");
    return new CodexClient(new StdioTransport(transportOptions), options).initializeOrClose(
      options.connectTimeoutMs,
    );
  }

  /** Connects to `codex app-server --listen ws://...` and initializes, within `connectTimeoutMs`. */
  static async connectWebSocket(options: WebSocketConnectOptions = {}): Promise<CodexClient> {
    const { WebSocketTransport } = await import("@codex-app-server/transport/websocket");
    return new CodexClient(new WebSocketTransport(options), options).initializeOrClose(
      options.connectTimeoutMs,
    );
  }

  /** The root actor: threads are its children, turns theirs. Attach an inspector through `options.inspect`. */
  get actor(): Actor<ClientMachine> {
    return this.connection.actor;
  }

  get peer(): ClientPeer {
    return this.connection.peer;
  }

  /** What `JSON.stringify` shows of the client: state, transport label and thread ids; never a token. */
  toJSON(): { state: string; transport: string; threads: string[] } {
    const transport = this.actor.getSnapshot().context.transport;
    return { state: this.state, transport, threads: [...this.threads.map.keys()] };
  }

  /** What `util.inspect` and `console.log` show: the same as {@link toJSON}, not the client's fields. */
  [INSPECT](
    _depth: number,
    options?: object,
    inspect?: (value: unknown, options?: object) => string,
  ): string {
    const summary = this.toJSON();
    return `CodexClient ${inspect ? inspect(summary, options) : JSON.stringify(summary)}`;
  }

  /**
   * The server's codex-cli version, read from the `initialize` response's userAgent; undefined before
   * initialize, or when the userAgent does not say. Outside the supported range it raises a
   * `CodexServerVersionWarning` (through `onWarning`, else `onError`, else once on stderr).
   */
  get serverVersion(): CodexVersion | undefined {
    return this.connection.serverVersion;
  }

  /**
   * The client actor's top-level state: idle, connecting, initializing, ready, reconnecting (the
   * connection dropped; see the `reconnect` option), givingUp, closing, closed, failed.
   */
  get state(): string {
    const value = this.connection.actor.getSnapshot().value;
    return typeof value === "string" ? value : (Object.keys(value)[0] ?? "");
  }

  /** Threads this client has open (released ones are not), by id. */
  get knownThreads(): ReadonlyMap<string, ThreadHandle> {
    return this.threads.map;
  }

  /** Runs `initialize` then `initialized`, once. Every other call does this first when needed. */
  initialize(): Promise<InitializeResponse> {
    this.connection.assertOpen();
    return this.connection.initialize();
  }

  /** Replaces (or, with `undefined`, removes) the handler that decides approvals and questions. */
  setServerRequestHandler(handler: ServerRequestHandler | undefined): void {
    this.broker.handler = handler;
  }

  // Threads

  async startThread(
    config: ThreadConfig = {},
    options: { signal?: AbortSignal } = {},
  ): Promise<ThreadHandle> {
    const response = await this.request("thread/start", omitUndefined(config), options);
    return this.threads.adopt(response.thread, "start", settingsOfResponse(response));
  }

  async resumeThread(threadId: string, config: ThreadResumeConfig = {}): Promise<ThreadHandle> {
    const response = await this.request("thread/resume", { ...omitUndefined(config), threadId });
    return this.threads.adopt(response.thread, "resume", settingsOfResponse(response));
  }

  async forkThread(threadId: string, config: ThreadForkConfig = {}): Promise<ThreadHandle> {
    const response = await this.request("thread/fork", { ...omitUndefined(config), threadId });
    return this.threads.adopt(response.thread, "fork", settingsOfResponse(response));
  }

  /**
   * Sets defaults for a thread's later turns (`thread/settings/update`; experimental: needs
   * `experimentalApi: true`). A thread this client has open keeps them in `thread.defaults`.
   */
  override async updateThreadDefaults(
    threadId: string,
    defaults: ThreadDefaults,
  ): Promise<Record<string, unknown>> {
    const response = await super.updateThreadDefaults(threadId, defaults);
    this.threads.get(threadId)?._defaultsChanged(defaults);
    return response;
  }

  /**
   * Compacts a thread's history (`thread/compact/start`). A compaction is a turn: this resolves with
   * its handle once the server started it (`await (await client.compactThread(id)).result()` waits for
   * its end). A thread this client has not seen is resumed first. While it runs, the thread's next turn
   * waits for it; asked for during a turn, it is refused (the server would interrupt the turn).
   */
  async compactThread(threadId: string): Promise<TurnHandle> {
    const thread = await this.openThread(threadId);
    return beginTurn(this.turnStarter, thread, compactionRequest(this.connection.peer, threadId), undefined);
  }

  /**
   * Starts a review on a thread (`review/start`, delivered inline). A review is a turn: this resolves
   * with its handle (its result's `finalResponse` is the review). A thread this client has not seen is
   * resumed first; like a compaction, the thread's next turn waits for it.
   */
  async startReview(params: ReviewStartParams): Promise<TurnHandle> {
    const thread = await this.openThread(params.threadId);
    return beginTurn(this.turnStarter, thread, reviewRequest(this.connection.peer, params), undefined);
  }

  /** A thread this client has open. */
  thread(threadId: string): ThreadHandle | undefined {
    return this.threads.get(threadId);
  }

  /**
   * Lets an idle (or archived) thread go: `thread/unsubscribe`, and its actor stops. The handle stays
   * usable (its next turn resumes the thread). Resolves with the server's answer, or `null` when the
   * client did not have the thread open.
   */
  async releaseThread(threadId: string): Promise<ThreadUnsubscribeResponse | null> {
    const thread = this.threads.get(threadId);
    if (!thread) return null;
    if (!thread.actor.getSnapshot().can({ type: "release" })) {
      throw new CodexInvalidStateError(
        `thread:${threadId}`,
        thread.state,
        "release",
        "release an idle thread",
      );
    }
    thread.actor.send({ type: "release" });
    thread._released();
    this.threads.remove(thread);
    return this.request("thread/unsubscribe", { threadId });
  }

  async archiveThread(threadId: string): Promise<ThreadArchiveResponse> {
    const thread = this.threads.get(threadId);
    if (thread && !thread.actor.getSnapshot().can({ type: "archived" })) {
      throw new CodexInvalidStateError(
        `thread:${threadId}`,
        thread.state,
        "archive",
        "archive an idle thread",
      );
    }
    const response = await this.request("thread/archive", { threadId });
    thread?.actor.send({ type: "archived" });
    return response;
  }

  async unarchiveThread(threadId: string): Promise<ThreadHandle> {
    const response = await this.request("thread/unarchive", { threadId });
    const known = this.threads.get(threadId);
    if (known) {
      known.info = response.thread;
      known.actor.send({ type: "unarchived" });
      return known;
    }
    return this.threads.adopt(response.thread, "attach");
  }

  // Conversations

  /**
   * Sends one message and waits for the turn to end. Starts a thread unless `threadId` is given.
   * Throws `CodexTurnInactiveError` (with a continuation) when the turn goes quiet, and
   * `CodexTurnFailedError` when it fails. Pass a continuation instead of input to resume (or as
   * `options.continuation`, with `undefined` input). Aborting `signal` interrupts the turn (the thread
   * is then ready for another); aborted before, nothing is sent.
   */
  async chatOnce(
    input: Input | ChatContinuation | undefined,
    options: ChatOptions = {},
  ): Promise<ChatResult> {
    const turn = await this.turnFor(input, options);
    try {
      return await readToEnd(turn, options, (threadId, turnId) =>
        finalTextFromThreadRead(this.readThread(threadId, { includeTurns: true }), turnId),
      );
    } catch (error) {
      await interruptOnAbort(turn, options.signal, (e) => this.options.onError?.(e));
      throw error;
    }
  }

  /**
   * Streams the completed, non-delta steps of one turn. Starts a thread unless `threadId` is given.
   * Throws `CodexTurnInactiveError` (with a continuation) when the turn goes quiet. Aborting `signal`
   * interrupts the turn.
   */
  async *chat(
    input: Input | ChatContinuation | undefined,
    options: ChatOptions = {},
  ): AsyncGenerator<ConversationStep, void, undefined> {
    const turn = await this.turnFor(input, options);
    try {
      yield* turn.steps(options);
    } catch (error) {
      await interruptOnAbort(turn, options.signal, (e) => this.options.onError?.(e));
      throw error;
    }
    const result = turn.snapshotResult();
    if (result.status === "failed") throw new CodexTurnFailedError(turn.threadId, turn.turnId, result.error);
  }

  /**
   * Interrupts the turn of a continuation, waits for it to end, and returns what was not read since
   * the continuation's cursor. The thread is then ready for a new turn.
   */
  cancel(
    continuation: ChatContinuation,
    options: { timeoutMs?: number | null; signal?: AbortSignal } = {},
  ): Promise<CancelResult> {
    return cancelTurn(this.findTurn(continuation), continuation, options);
  }

  /** A turn this client knows (running, or among the recently finished). */
  turn(turnId: string): TurnHandle | undefined {
    return this.router.turn(turnId);
  }

  /**
   * Interrupts a turn by id (the Python SDK's `interrupt_turn`). A turn this client runs goes through its
   * handle (the interrupt is held until the server started the turn) and this resolves with its result
   * once it ended. Any other turn (after `resumeThread`, say) needs its thread: `turn/interrupt` is sent
   * and this resolves with `null` once the server took it.
   */
  interruptTurn(turnId: string, options?: InterruptTurnOptions): Promise<TurnResult | null>;
  interruptTurn(threadId: string, turnId: string, options?: InterruptTurnOptions): Promise<TurnResult | null>;
  async interruptTurn(
    first: string,
    second?: string | InterruptTurnOptions,
    third?: InterruptTurnOptions,
  ): Promise<TurnResult | null> {
    const [threadId, turnId, options] =
      typeof second === "string" ? [first, second, third] : [undefined, first, second];
    return interruptTurnById(this.turnControl, threadId, turnId, options ?? {});
  }

  /**
   * Adds input to a running turn by id (the Python SDK's `steer_turn`): through its handle when this
   * client runs it, else `turn/steer` with it as the expected turn. Resolves with the server's answer.
   */
  async steerTurn(threadId: string, turnId: string, input: Input): Promise<TurnSteerResponse> {
    return steerTurnById(this.turnControl, threadId, turnId, input);
  }

  // Observation

  /** Every server notification, in order (turn-routed ones included). Returns an unsubscribe function. */
  onNotification(listener: (notification: ServerNotification) => void): () => void {
    this.router.listeners.add(listener);
    return () => this.router.listeners.delete(listener);
  }

  /** Every server notification from now on, as an async stream; ends when the client closes. */
  notifications(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<ServerNotification> {
    const queue = new AsyncQueue<ServerNotification>();
    const off = this.onNotification((n) => queue.push(n));
    this.notificationStreams.add(queue);
    return queue.iterate({
      signal: options.signal,
      onDone: () => {
        off();
        this.notificationStreams.delete(queue);
      },
      closedError: () => this.connection.closedError,
    });
  }

  /**
   * Approvals and other server questions from now on. By default a watch-only stream: the
   * `onServerRequest` handler (or the safe default) answers, and each item's `outcome` says what was
   * sent. With `manual: true` the reader answers (`respond`), ahead of the handler; what it leaves
   * unanswered when it stops gets the safe default.
   */
  approvalRequests(
    options: ApprovalStreamOptions & { manual: true },
  ): AsyncIterableIterator<PendingServerRequest>;
  approvalRequests(
    options?: ApprovalStreamOptions & { manual?: false },
  ): AsyncIterableIterator<ObservedServerRequest>;
  approvalRequests(
    options: ApprovalStreamOptions = {},
  ): AsyncIterableIterator<ObservedServerRequest | PendingServerRequest> {
    return this.broker.stream(options);
  }

  // Lifecycle

  /** Closes the connection: pending requests reject, turns fail, the server process is reaped. */
  close(): Promise<void> {
    return this.connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // Internals used by handles

  /** @internal */
  _startTurn(thread: ThreadHandle, input: Input, overrides: TurnOverrides = {}, signal?: AbortSignal) {
    return startTurn(this.turnStarter, thread, input, overrides, signal);
  }

  private get reconnectHost(): ReconnectHost {
    return {
      peer: this.connection.peer,
      threads: this.threads,
      router: this.router,
      broker: this.broker,
      onError: (error) => this.options.onError?.(error),
    };
  }

  private readonly turnControl: TurnControlHost = {
    turn: (turnId) => this.turn(turnId),
    interruptRequest: (threadId, turnId, options) =>
      this.request("turn/interrupt", { threadId, turnId }, options),
    steerRequest: (threadId, turnId, input) =>
      this.request("turn/steer", { threadId, expectedTurnId: turnId, input: normalizeInput(input) }),
  };

  /** Initializes within `timeoutMs` (see `ConnectOptions`); on any failure the transport is closed. */
  private async initializeOrClose(timeoutMs: number | null = DEFAULT_CONNECT_TIMEOUT_MS): Promise<this> {
    await initializeWithin(
      () => this.initialize(),
      () => this.close(),
      timeoutMs,
    );
    return this;
  }

  private async turnFor(
    given: Input | ChatContinuation | undefined,
    options: ChatOptions,
  ): Promise<TurnHandle> {
    const { input, continuation } = chatRequestOf(given, options.continuation);
    throwIfAborted(options.signal, "the chat");
    if (continuation) {
      const conflicting = (["threadId", "threadConfig", "turnOverrides"] as const).filter(
        (k) => options[k] !== undefined,
      );
      if (conflicting.length) {
        throw new CodexUsageError(
          `a continuation resumes a running turn: ${conflicting.join(", ")} cannot be given with it`,
        );
      }
      const turn = this.findTurn(continuation);
      turn.resume(continuation);
      return turn;
    }
    await this.connection.ready();
    const thread = options.threadId
      ? await this.openThread(options.threadId, options.threadConfig)
      : await this.startThread(options.threadConfig ?? {}, options.signal ? { signal: options.signal } : {});
    const turn = await this._startTurn(thread, input, options.turnOverrides, options.signal);
    if (options.signal?.aborted) {
      await interruptOnAbort(turn, options.signal, (e) => this.options.onError?.(e));
      throwIfAborted(options.signal, "the chat");
    }
    return turn;
  }

  /** A thread this client has open, else resumed (with `config`). */
  private async openThread(threadId: string, config: ThreadResumeConfig = {}): Promise<ThreadHandle> {
    return this.threads.get(threadId) ?? (await this.resumeThread(threadId, config));
  }

  private findTurn(continuation: ChatContinuation): TurnHandle {
    const turn = this.turn(continuation.turnId);
    if (!turn || turn.threadId !== continuation.threadId) throw unknownTurn(continuation);
    return turn;
  }

  private onTurnEnded(turn: TurnHandle): void {
    this.router.turnEnded(turn);
    const thread = this.threads.get(turn.threadId);
    if (thread === undefined) return;
    thread.actor.send({ type: "turn.ended", turnId: turn.turnId });
    this.threads.markIdle(thread);
  }

  /**
   * Errors the peer reports, to `onError` (else stderr, once each). In strict mode a notification that
   * fails validation is not delivered: when it belongs to a turn, that turn fails with the validation
   * error at once (and is interrupted on the server) instead of waiting for a `turn/completed` that may
   * be the message that was dropped.
   */
  private onPeerError(error: Error): void {
    if (this.options.onError !== undefined) this.options.onError(error);
    else warnOnce(error);
    const dropped =
      (this.options.validation ?? "lenient") === "strict" && error instanceof CodexValidationError;
    if (!dropped || error.kind !== "notification") return;
    const { threadId, turnId } = error.route;
    if (turnId === undefined) return;
    const turn = this.router.runningTurn(turnId);
    if (turn !== undefined) {
      this.failInvalidTurn(turn, error);
      return;
    }
    const early = threadId === undefined ? undefined : this.router.heldTurnStart(threadId);
    if (early !== undefined) early.invalid ??= error;
  }

  private failInvalidTurn(turn: TurnHandle, error: CodexValidationError): void {
    if (turn.isFinished) return;
    turn._fail(error);
    void this.connection.peer
      .request("turn/interrupt", { threadId: turn.threadId, turnId: turn.turnId })
      .catch(() => undefined);
  }

  private onClosed(error: ConnectionClosedError, byUs: boolean): void {
    for (const turn of [...this.router.runningTurns]) turn._fail(lostTurnError(turn, error, byUs));
    this.broker.end(byUs ? undefined : error);
    for (const stream of this.notificationStreams) stream.end(byUs ? undefined : error);
    for (const thread of this.threads.values()) {
      if (thread.actor.getSnapshot().status === "active")
        thread.actor.send({ type: "closed", reason: error.message });
    }
  }
}

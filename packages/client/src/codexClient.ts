import type {
  CodexVersion,
  InitializeResponse,
  ReviewStartParams,
  ThreadArchiveResponse,
  ThreadUnsubscribeResponse,
  TurnSteerResponse,
} from "@codex-app-server/protocol";
import type { ClientPeer, Transport } from "@codex-app-server/transport";
import type { Actor } from "xstate";
import type { ChatTurnHost } from "./chatTurn.js";
import { chatTurn, turnOfContinuation } from "./chatTurn.js";
import { ClientCore } from "./clientCore.js";
import type { ClientConnection } from "./connection.js";
import type { WebSocketConnectOptions } from "./connectOptions.js";
import { DEFAULT_CONNECT_TIMEOUT_MS } from "./connectOptions.js";
import type { ChatContinuation } from "./continuation.js";
import { cancelTurn, finalTextFromThreadRead, interruptOnAbort, readToEnd } from "./conversation.js";
import { CodexTurnFailedError } from "./errors.js";
import { initializeWithin } from "./initializeWithin.js";
import type { Input } from "./inputs.js";
import { normalizeInput } from "./inputs.js";
import type { ClientMachine } from "./machines/clientMachine.js";
import { topState } from "./machines/topState.js";
import type { NotificationRouter } from "./notificationRouter.js";
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
import { CodexRequestApi, omitUndefined } from "./requestApi.js";
import type { CancelResult, ChatResult } from "./results.js";
import type {
  ApprovalStreamOptions,
  ObservedServerRequest,
  PendingServerRequest,
} from "./serverRequestBroker.js";
import type { ServerRequestHandler } from "./serverRequests.js";
import type { ConversationStep } from "./steps.js";
import type { ThreadHandle, ThreadHost } from "./threadHandle.js";
import type { ThreadOperationsHost } from "./threadOperations.js";
import { archiveThread, releaseThread, unarchiveThread } from "./threadOperations.js";
import type { ThreadRegistry } from "./threadRegistry.js";
import { settingsOfResponse } from "./threadSettings.js";
import type { InterruptTurnOptions, TurnControlHost } from "./turnControl.js";
import { interruptTurnById, steerTurnById } from "./turnControl.js";
import type { TurnHandle } from "./turnHandle.js";
import { beginTurn, compactionRequest, reviewRequest, startTurn } from "./turnStarter.js";
import type { ServerNotification, TurnResult } from "./turnTypes.js";

/** Node's `util.inspect.custom`, from the symbol registry: the package imports nothing from Node. */
const INSPECT: unique symbol = Symbol.for("nodejs.util.inspect.custom");

/**
 * A client of `codex app-server`. Its root actor (`clientMachine`) owns one actor per thread, each
 * thread owns its turns, each turn its steers and server requests. The connection, the notification
 * router and the server-request broker (wired together in `ClientCore`) do the work; this class is
 * the public API.
 */
export class CodexClient extends CodexRequestApi implements AsyncDisposable, ThreadHost {
  readonly requestTimeoutMs: number | null;
  readonly inactivityTimeoutMs: number | null;
  protected readonly options: CodexClientOptions;
  private readonly core: ClientCore;

  constructor(transport: Transport, allOptions: CodexClientOptions = {}) {
    super();
    // Only the client's own options are kept: never a transport's token, headers or env.
    this.options = clientOptionsOf(allOptions);
    this.core = new ClientCore(transport, this.options, {
      client: this,
      resume: async (threadId) => {
        const response = await this.request("thread/resume", { threadId });
        return { thread: response.thread, settings: settingsOfResponse(response) };
      },
    });
    this.inactivityTimeoutMs = this.core.inactivityTimeoutMs;
    this.requestTimeoutMs = this.core.connection.requestTimeoutMs;
  }

  protected get connection(): ClientConnection {
    return this.core.connection;
  }

  private get threads(): ThreadRegistry {
    return this.core.threads;
  }

  private get router(): NotificationRouter {
    return this.core.router;
  }

  /**
   * Connects to `codex app-server --listen ws://...` and initializes, within `connectTimeoutMs`.
   * Runtime-neutral: Node uses the `ws` package; a browser passes its own `WebSocketImpl: WebSocket`.
   * (Spawning a server over stdio is Node only: `connectStdio` from `@codex-app-server/client/node`.)
   */
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
    return topState(this.connection.actor.getSnapshot().value);
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
    this.core.broker.handler = handler;
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
    return beginTurn(
      this.core.turnStarter,
      thread,
      compactionRequest(this.connection.peer, threadId),
      undefined,
    );
  }

  /**
   * Starts a review on a thread (`review/start`, delivered inline). A review is a turn: this resolves
   * with its handle (its result's `finalResponse` is the review). A thread this client has not seen is
   * resumed first; like a compaction, the thread's next turn waits for it.
   */
  async startReview(params: ReviewStartParams): Promise<TurnHandle> {
    const thread = await this.openThread(params.threadId);
    return beginTurn(this.core.turnStarter, thread, reviewRequest(this.connection.peer, params), undefined);
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
  releaseThread(threadId: string): Promise<ThreadUnsubscribeResponse | null> {
    return releaseThread(this.threadOperations, threadId);
  }

  /** Archives a thread (`thread/archive`); one this client has open must be idle. */
  archiveThread(threadId: string): Promise<ThreadArchiveResponse> {
    return archiveThread(this.threadOperations, threadId);
  }

  /** Unarchives a thread (`thread/unarchive`) and returns its handle. */
  unarchiveThread(threadId: string): Promise<ThreadHandle> {
    return unarchiveThread(this.threadOperations, threadId);
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
    const turn = await chatTurn(this.chatHost, input, options);
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
    const turn = await chatTurn(this.chatHost, input, options);
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
    return cancelTurn(turnOfContinuation(this.chatHost, continuation), continuation, options);
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
    return this.router.stream(options, () => this.connection.closedError);
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
    return this.core.broker.stream(options);
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
    return startTurn(this.core.turnStarter, thread, input, overrides, signal);
  }

  private readonly threadOperations: ThreadOperationsHost = {
    threads: () => this.threads,
    unsubscribe: (threadId) => this.request("thread/unsubscribe", { threadId }),
    archive: (threadId) => this.request("thread/archive", { threadId }),
    unarchive: (threadId) => this.request("thread/unarchive", { threadId }),
  };

  private readonly chatHost: ChatTurnHost = {
    turn: (turnId) => this.turn(turnId),
    ready: () => this.connection.ready(),
    openThread: (threadId, config) => this.openThread(threadId, config),
    startThread: (config, options) => this.startThread(config, options),
    startTurn: (thread, input, overrides, signal) => this._startTurn(thread, input, overrides, signal),
    onError: (error) => this.options.onError?.(error),
  };

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

  /** A thread this client has open, else resumed (with `config`). */
  private async openThread(threadId: string, config: ThreadResumeConfig = {}): Promise<ThreadHandle> {
    return this.threads.get(threadId) ?? (await this.resumeThread(threadId, config));
  }
}

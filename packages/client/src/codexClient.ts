import type {
  ClientRequestMap,
  CodexVersion,
  CommandExecParams,
  CommandExecResponse,
  ConfigBatchWriteParams,
  ConfigReadParams,
  ConfigReadResponse,
  ConfigRequirementsReadResponse,
  ConfigValueWriteParams,
  ConfigWriteResponse,
  InitializeResponse,
  ModelListParams,
  ModelListResponse,
  RequestId,
  ReviewStartParams,
  ReviewStartResponse,
  Thread,
  ThreadArchiveResponse,
  ThreadCompactStartResponse,
  ThreadListParams,
  ThreadListResponse,
  ThreadReadResponse,
  ThreadRevertResponse,
  ThreadSetNameResponse,
  UserInput,
} from "@codex-app-server/protocol";
import { CodexValidationError, createValidator, routeOf } from "@codex-app-server/protocol";
import type { ClientPeer, Transport, TransportCloseInfo } from "@codex-app-server/transport";
import { ConnectionClosedError, RpcPeer } from "@codex-app-server/transport";
import type { Actor } from "xstate";
import { createActor, fromPromise } from "xstate";
import { AsyncQueue } from "./asyncQueue.js";
import type { ChatContinuation } from "./continuation.js";
import { isChatContinuation } from "./continuation.js";
import {
  CodexBufferOverflowError,
  CodexInvalidStateError,
  CodexTurnFailedError,
  CodexUsageError,
} from "./errors.js";
import type { Input } from "./inputs.js";
import { normalizeInput } from "./inputs.js";
import type { ClientMachine } from "./machines/clientMachine.js";
import { clientMachine } from "./machines/clientMachine.js";
import { turnMachine } from "./machines/turnMachine.js";
import type {
  ChatOptions,
  CodexClientOptions,
  ThreadConfig,
  ThreadDefaults,
  ThreadForkConfig,
  ThreadResumeConfig,
  TurnOverrides,
} from "./options.js";
import type { CancelResult, ChatResult } from "./results.js";
import type { ServerRequest, ServerRequestMethod } from "./serverRequests.js";
import { checkServerRequestAnswer, createServerRequest, SERVER_REQUEST_KINDS } from "./serverRequests.js";
import { checkServerVersion, warnOnce } from "./serverVersion.js";
import type { ConversationStep } from "./steps.js";
import type { ThreadActorRef } from "./threadHandle.js";
import { ThreadHandle } from "./threadHandle.js";
import type { TurnActorRef, TurnHost } from "./turnHandle.js";
import { TurnHandle } from "./turnHandle.js";
import type { ServerNotification } from "./turnTypes.js";

declare const __PACKAGE_VERSION__: string;

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_INACTIVITY_TIMEOUT_MS = 180_000;
const DEFAULT_MAX_EARLY_NOTIFICATIONS = 10_000;
/** Finished turn handles kept so that continuations and cancels of them still resolve. */
const FINISHED_TURNS_KEPT = 256;

interface EarlyBuffer {
  notifications: ServerNotification[];
  overflowed: boolean;
  /** A notification of the coming turn failed strict validation: the turn fails with this at once. */
  invalid?: CodexValidationError;
}

interface OpenServerRequest {
  controller: AbortController;
  turnId: string | undefined;
}

/** A server request handed to an `approvalRequests()` reader: answer it with `respond`. */
export type PendingServerRequest = ServerRequest & {
  /** Answers the request. Without an answer it gets the safe default when the server withdraws it. */
  respond(answer: unknown): void;
};

/**
 * A client of `codex app-server`. Its root actor (`clientMachine`) owns one actor per thread and per
 * turn; its peer correlates requests; notifications are routed to their turn by the protocol's routing
 * metadata.
 */
export class CodexClient implements AsyncDisposable {
  readonly actor: Actor<ClientMachine>;
  readonly peer: ClientPeer;
  readonly requestTimeoutMs: number | null;
  readonly inactivityTimeoutMs: number | null;
  /**
   * The server's codex-cli version, read from the `initialize` response's userAgent; undefined before
   * initialize, or when the userAgent does not say. Outside the supported range it raises a
   * `CodexServerVersionWarning` (see `onWarning`).
   */
  serverVersion: CodexVersion | undefined;

  private readonly options: CodexClientOptions;
  private readonly validation: "strict" | "lenient" | "off";
  private initializing: Promise<InitializeResponse> | undefined;
  private closing: Promise<void> | undefined;
  /** Set before the peer closes, so the close callback (which may run synchronously) knows it was ours. */
  private closeRequested = false;
  private closedError: Error | undefined;
  private readonly threads = new Map<string, ThreadHandle>();
  private readonly turns = new Map<string, TurnHandle>();
  private readonly finishedTurns = new Map<string, TurnHandle>();
  private readonly turnStarts = new Map<string, EarlyBuffer>();
  private readonly listeners = new Set<(notification: ServerNotification) => void>();
  private readonly openRequests = new Map<string, OpenServerRequest>();
  private readonly requestReaders = new Set<AsyncQueue<PendingServerRequest>>();
  private readonly notificationStreams = new Set<AsyncQueue<ServerNotification>>();
  private readonly turnHost: TurnHost;
  /** The turn the last routed notification went to: a stream's notifications all name the same one. */
  private lastTurn: TurnHandle | undefined;

  constructor(transport: Transport, options: CodexClientOptions = {}) {
    this.options = options;
    this.requestTimeoutMs =
      options.requestTimeoutMs === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : options.requestTimeoutMs;
    this.inactivityTimeoutMs =
      options.inactivityTimeoutMs === undefined ? DEFAULT_INACTIVITY_TIMEOUT_MS : options.inactivityTimeoutMs;
    const validation = options.validation ?? "lenient";
    this.validation = validation;
    this.peer = new RpcPeer({
      transport,
      validator: createValidator({ mode: validation, side: "client" }),
      requestTimeoutMs: this.requestTimeoutMs,
      name: "codex-client",
    }) as ClientPeer;
    this.peer.onerror = (error) => this.onPeerError(error);
    this.peer.onclose = (info) => this.onTransportClosed(info);
    this.peer.onNotification((message) => this.routeNotification(message as ServerNotification));
    for (const method of Object.keys(SERVER_REQUEST_KINDS) as ServerRequestMethod[]) {
      this.peer.setRequestHandler(method, (params, context) =>
        this.answerServerRequest(method, params, context),
      );
    }
    this.turnHost = {
      requestTimeoutMs: this.requestTimeoutMs,
      steer: (threadId, turnId, input) =>
        this.peer.request("turn/steer", { threadId, input: input as UserInput[], expectedTurnId: turnId }),
      turnEnded: (turn) => this.onTurnEnded(turn),
    };
    const peer = this.peer;
    const machine = clientMachine.provide({
      actors: {
        turn: turnMachine.provide({
          actors: {
            interruptTurn: fromPromise(({ input, signal }) =>
              peer.request("turn/interrupt", input, { signal }),
            ),
          },
        }),
      },
    });
    this.actor = createActor(machine, {
      id: "client",
      input: { transport: transport.label ?? "transport" },
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    this.actor.start();
  }

  /** Spawns `codex app-server` over stdio (Node only) and initializes. */
  static async connectStdio(
    options: CodexClientOptions & import("@codex-app-server/transport/stdio").StdioTransportOptions = {},
  ): Promise<CodexClient> {
    const { StdioTransport } = await import("@codex-app-server/transport/stdio");
    const client = new CodexClient(new StdioTransport(options), options);
    await client.initializeOrClose();
    return client;
  }

  /** Connects to `codex app-server --listen ws://...` and initializes. */
  static async connectWebSocket(
    options: CodexClientOptions &
      import("@codex-app-server/transport/websocket").WebSocketTransportOptions = {},
  ): Promise<CodexClient> {
    const { WebSocketTransport } = await import("@codex-app-server/transport/websocket");
    const client = new CodexClient(new WebSocketTransport(options), options);
    await client.initializeOrClose();
    return client;
  }

  /** The client actor's state: connecting, initializing, ready, closing, closed, failed. */
  get state(): string {
    return String(this.actor.getSnapshot().value);
  }

  /** Threads this client has opened, by id. */
  get knownThreads(): ReadonlyMap<string, ThreadHandle> {
    return this.threads;
  }

  /** Runs `initialize` then `initialized`, once. Every other call does this first when needed. */
  initialize(): Promise<InitializeResponse> {
    this.initializing ??= this.runInitialize();
    return this.initializing;
  }

  private async initializeOrClose(): Promise<void> {
    try {
      await this.initialize();
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  private async runInitialize(): Promise<InitializeResponse> {
    this.assertOpen();
    try {
      await this.peer.start();
      this.actor.send({ type: "transport.started" });
      const info = this.options.clientInfo ?? {
        name: "codex-app-server-sdk-ts",
        title: "Codex app-server SDK for TypeScript",
        version: typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0",
      };
      const response = await this.peer.request("initialize", {
        clientInfo: { name: info.name, title: info.title ?? null, version: info.version },
        capabilities: {
          experimentalApi: this.options.experimentalApi ?? false,
          requestAttestation: false,
          ...(this.options.optOutNotificationMethods
            ? { optOutNotificationMethods: this.options.optOutNotificationMethods }
            : {}),
        },
      });
      await this.peer.notify("initialized", undefined);
      const { version, warning } = checkServerVersion(response.userAgent);
      this.serverVersion = version;
      if (warning !== undefined) this.warn(warning);
      this.actor.send({
        type: "initialize.done",
        userAgent: response.userAgent,
        platformOs: response.platformOs,
      });
      return response;
    } catch (error) {
      const e = error as Error & { code?: string | number };
      this.actor.send({ type: "initialize.failed", code: e.code ?? "initialize_failed", message: e.message });
      throw error;
    }
  }

  /** Sends any request the protocol knows; the result type follows from the method. */
  async request<M extends keyof ClientRequestMap & string>(
    method: M,
    params: ClientRequestMap[M]["params"],
    options?: { timeoutMs?: number | null; signal?: AbortSignal },
  ): Promise<ClientRequestMap[M]["result"]> {
    await this.ready();
    return this.peer.request(method, params, options);
  }

  // Threads

  async startThread(config: ThreadConfig = {}): Promise<ThreadHandle> {
    const response = await this.request("thread/start", omitUndefined(config));
    return this.adoptThread(response.thread, "start");
  }

  async resumeThread(threadId: string, config: ThreadResumeConfig = {}): Promise<ThreadHandle> {
    const response = await this.request("thread/resume", { ...omitUndefined(config), threadId });
    return this.adoptThread(response.thread, "resume");
  }

  async forkThread(threadId: string, config: ThreadForkConfig = {}): Promise<ThreadHandle> {
    const response = await this.request("thread/fork", { ...omitUndefined(config), threadId });
    return this.adoptThread(response.thread, "fork");
  }

  /** A thread this client already opened. */
  thread(threadId: string): ThreadHandle | undefined {
    return this.threads.get(threadId);
  }

  readThread(threadId: string, options: { includeTurns?: boolean } = {}): Promise<ThreadReadResponse> {
    return this.request("thread/read", { threadId, ...options });
  }

  listThreads(params: ThreadListParams = {}): Promise<ThreadListResponse> {
    return this.request("thread/list", params);
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
    return this.adoptThread(response.thread, "attach");
  }

  /** Rolls a thread back to before `beforeTurnId` (`thread/revert`; the server's rollback). */
  revertThread(threadId: string, beforeTurnId: string): Promise<ThreadRevertResponse> {
    return this.request("thread/revert", { threadId, beforeTurnId });
  }

  compactThread(threadId: string): Promise<ThreadCompactStartResponse> {
    return this.request("thread/compact/start", { threadId });
  }

  setThreadName(threadId: string, name: string): Promise<ThreadSetNameResponse> {
    return this.request("thread/name/set", { threadId, name });
  }

  /**
   * Sets defaults for a thread's later turns (`thread/settings/update`). Experimental in codex-cli
   * 0.169.0: needs `experimentalApi: true`, else it is refused here without a request.
   */
  async updateThreadDefaults(threadId: string, defaults: ThreadDefaults): Promise<Record<string, unknown>> {
    if (!this.options.experimentalApi) {
      throw new CodexUsageError(
        "thread/settings/update is experimental: create the client with experimentalApi: true",
      );
    }
    await this.ready();
    return (await this.peer.requestUntyped("thread/settings/update", {
      ...omitUndefined(defaults),
      threadId,
    })) as Record<string, unknown>;
  }

  startReview(params: ReviewStartParams): Promise<ReviewStartResponse> {
    return this.request("review/start", params);
  }

  // Everything else

  listModels(params: ModelListParams = {}): Promise<ModelListResponse> {
    return this.request("model/list", params);
  }

  readConfig(params: ConfigReadParams = {}): Promise<ConfigReadResponse> {
    return this.request("config/read", params);
  }

  writeConfigValue(params: ConfigValueWriteParams): Promise<ConfigWriteResponse> {
    return this.request("config/value/write", params);
  }

  batchWriteConfig(params: ConfigBatchWriteParams): Promise<ConfigWriteResponse> {
    return this.request("config/batchWrite", params);
  }

  readConfigRequirements(): Promise<ConfigRequirementsReadResponse> {
    return this.request(
      "configRequirements/read",
      undefined as ClientRequestMap["configRequirements/read"]["params"],
    );
  }

  execCommand(params: CommandExecParams): Promise<CommandExecResponse> {
    return this.request("command/exec", params);
  }

  // Conversations

  /**
   * Sends one message and waits for the turn to end. Starts a thread unless `threadId` is given.
   * Throws `CodexTurnInactiveError` (with a continuation) when the turn goes quiet, and
   * `CodexTurnFailedError` when it fails. Pass a continuation instead of input to resume.
   */
  async chatOnce(input: Input | ChatContinuation, options: ChatOptions = {}): Promise<ChatResult> {
    const turn = await this.turnFor(input, options);
    const rawEvents: ServerNotification[] | undefined = options.includeRawEvents ? [] : undefined;
    for await (const notification of turn.read((n) => n, options, "once")) {
      rawEvents?.push(notification);
    }
    const result = turn.snapshotResult();
    if (result.status === "failed") throw new CodexTurnFailedError(turn.threadId, turn.turnId, result.error);
    let finalText = result.finalResponse;
    let assistantItemId = result.assistantItemId;
    let completionSource: ChatResult["completionSource"] = finalText === null ? null : "item_completed";
    if (finalText === null && result.status === "completed") {
      const fallback = await this.finalTextFromThreadRead(turn.threadId, turn.turnId);
      if (fallback) {
        finalText = fallback.text;
        assistantItemId = fallback.itemId;
        completionSource = "thread_read_fallback";
      }
    }
    return {
      threadId: turn.threadId,
      turnId: turn.turnId,
      finalText: finalText ?? "",
      items: result.items,
      usage: result.usage,
      status: result.status,
      assistantItemId,
      completionSource,
      ...(rawEvents ? { rawEvents } : {}),
    };
  }

  /**
   * Streams the completed, non-delta steps of one turn. Starts a thread unless `threadId` is given.
   * Throws `CodexTurnInactiveError` (with a continuation) when the turn goes quiet.
   */
  async *chat(
    input: Input | ChatContinuation,
    options: ChatOptions = {},
  ): AsyncGenerator<ConversationStep, void, undefined> {
    const turn = await this.turnFor(input, options);
    yield* turn.steps(options);
    const result = turn.snapshotResult();
    if (result.status === "failed") throw new CodexTurnFailedError(turn.threadId, turn.turnId, result.error);
  }

  /**
   * Interrupts the turn of a continuation, waits for it to end, and returns what was not read since
   * the continuation's cursor. The thread is then ready for a new turn.
   */
  async cancel(
    continuation: ChatContinuation,
    options: { timeoutMs?: number | null; signal?: AbortSignal } = {},
  ): Promise<CancelResult> {
    const turn = this.findTurn(continuation);
    if (turn.cursor !== continuation.cursor) {
      throw new CodexUsageError(
        `the continuation's cursor (${continuation.cursor}) does not match turn ${turn.turnId} (at ${turn.cursor}): it was resumed since`,
      );
    }
    const wasCompleted = turn.isFinished;
    if (!wasCompleted) await turn.interrupt(options);
    const rawEvents = turn.drainUnread();
    const steps: ConversationStep[] = [];
    for (const n of rawEvents) {
      const step = turn.stepOf(n);
      if (step) steps.push(step);
    }
    return {
      threadId: turn.threadId,
      turnId: turn.turnId,
      steps,
      rawEvents,
      wasCompleted,
      wasInterrupted: !wasCompleted,
    };
  }

  /** A turn this client knows (running, or among the recently finished). */
  turn(turnId: string): TurnHandle | undefined {
    return this.turns.get(turnId) ?? this.finishedTurns.get(turnId);
  }

  // Observation

  /** Every server notification, in order (turn-routed ones included). Returns an unsubscribe function. */
  onNotification(listener: (notification: ServerNotification) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
      closedError: () => this.closedError,
    });
  }

  /**
   * Pending approvals and other server questions, for interactive apps. Used when no `onServerRequest`
   * handler is set: each request waits for `respond(answer)`; if the server withdraws it first, it gets
   * the safe default.
   */
  approvalRequests(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<PendingServerRequest> {
    const queue = new AsyncQueue<PendingServerRequest>();
    this.requestReaders.add(queue);
    return queue.iterate({
      signal: options.signal,
      onDone: () => this.requestReaders.delete(queue),
      closedError: () => this.closedError,
    });
  }

  // Lifecycle

  /** Closes the connection: pending requests reject, turns fail, the server process is reaped. */
  close(): Promise<void> {
    this.closeRequested = true;
    this.closing ??= (async () => {
      if (this.actor.getSnapshot().status === "active") this.actor.send({ type: "close" });
      await this.peer.close();
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // Internals used by handles

  /** @internal */
  async _startTurn(thread: ThreadHandle, input: Input, overrides: TurnOverrides = {}): Promise<TurnHandle> {
    await this.ready();
    if (!thread.actor.getSnapshot().can({ type: "turn.requested" })) {
      throw new CodexInvalidStateError(
        `thread:${thread.id}`,
        thread.state,
        "a new turn",
        "one turn at a time per thread: wait for the running turn, or steer it",
      );
    }
    thread.actor.send({ type: "turn.requested" });
    const early: EarlyBuffer = { notifications: [], overflowed: false };
    this.turnStarts.set(thread.id, early);
    let turnId: string;
    try {
      const response = await this.peer.request("turn/start", {
        ...omitUndefined(overrides),
        threadId: thread.id,
        input: normalizeInput(input),
      });
      turnId = response.turn.id;
    } catch (error) {
      thread.actor.send({ type: "turn.startFailed" });
      throw error;
    } finally {
      this.turnStarts.delete(thread.id);
    }
    this.actor.send({ type: "spawn.turn", threadId: thread.id, turnId });
    const ref = this.actor.getSnapshot().children[`turn:${turnId}`] as TurnActorRef;
    const turn = new TurnHandle(this.turnHost, ref, thread.id, turnId, this.inactivityTimeoutMs);
    this.turns.set(turnId, turn);
    thread.actor.send({ type: "turn.began", turnId });
    if (early.overflowed) {
      turn._fail(
        new CodexBufferOverflowError(
          this.options.maxEarlyNotifications ?? DEFAULT_MAX_EARLY_NOTIFICATIONS,
          thread.id,
        ),
      );
      void this.peer.request("turn/interrupt", { threadId: thread.id, turnId }).catch(() => undefined);
    }
    for (const notification of early.notifications) this.deliverRouted(notification, false);
    if (early.invalid !== undefined) this.failInvalidTurn(turn, early.invalid);
    return turn;
  }

  private async ready(): Promise<void> {
    this.assertOpen();
    await this.initialize();
  }

  private assertOpen(): void {
    if (this.closedError) throw this.closedError;
    if (this.closeRequested) throw new ConnectionClosedError("the client is closed");
  }

  private adoptThread(info: Thread, origin: "start" | "resume" | "fork" | "attach"): ThreadHandle {
    const known = this.threads.get(info.id);
    if (known) {
      known.info = info;
      return known;
    }
    this.actor.send({ type: "spawn.thread", threadId: info.id, origin });
    const ref = this.actor.getSnapshot().children[`thread:${info.id}`] as ThreadActorRef;
    const thread = new ThreadHandle(this, ref, info);
    this.threads.set(info.id, thread);
    ref.send({ type: "thread.ready" });
    return thread;
  }

  private async turnFor(input: Input | ChatContinuation, options: ChatOptions): Promise<TurnHandle> {
    if (isChatContinuation(input)) {
      const conflicting = (["threadId", "threadConfig", "turnOverrides"] as const).filter(
        (k) => options[k] !== undefined,
      );
      if (conflicting.length) {
        throw new CodexUsageError(
          `a continuation resumes a running turn: ${conflicting.join(", ")} cannot be given with it`,
        );
      }
      const turn = this.findTurn(input);
      turn.resume(input);
      return turn;
    }
    await this.ready();
    const thread = options.threadId
      ? (this.threads.get(options.threadId) ??
        (await this.resumeThread(options.threadId, options.threadConfig ?? {})))
      : await this.startThread(options.threadConfig ?? {});
    return this._startTurn(thread, input, options.turnOverrides);
  }

  private findTurn(continuation: ChatContinuation): TurnHandle {
    const turn = this.turn(continuation.turnId);
    if (!turn || turn.threadId !== continuation.threadId) {
      throw new CodexUsageError(
        `unknown turn ${continuation.turnId} on thread ${continuation.threadId}: this client did not run it`,
      );
    }
    return turn;
  }

  private async finalTextFromThreadRead(
    threadId: string,
    turnId: string,
  ): Promise<{ text: string; itemId: string } | null> {
    const response = await this.readThread(threadId, { includeTurns: true });
    const turn = response.thread.turns?.find((t) => t.id === turnId);
    const messages = (turn?.items ?? []).filter((item) => item.type === "agentMessage");
    const last = messages[messages.length - 1];
    return last && last.type === "agentMessage" ? { text: last.text, itemId: last.id } : null;
  }

  /** The hot path: one notification from the peer. */
  private routeNotification(notification: ServerNotification): void {
    if (this.listeners.size) for (const listener of this.listeners) listener(notification);
    this.deliverRouted(notification, true);
  }

  private deliverRouted(notification: ServerNotification, live: boolean): void {
    if (notification.method === "serverRequest/resolved") {
      this.withdrawServerRequest(String(notification.params.requestId));
      return;
    }
    const route = routeOf(notification.method, notification.params);
    const turnId = route.turnId;
    if (turnId !== undefined) {
      let turn = this.lastTurn;
      if (turn?.turnId !== turnId) {
        turn = this.turns.get(turnId);
        if (turn !== undefined) this.lastTurn = turn;
      }
      if (turn !== undefined) {
        turn._receive(notification);
        return;
      }
      const threadId = route.threadId;
      if (live && threadId !== undefined) {
        const early = this.turnStarts.get(threadId);
        if (early !== undefined) {
          if (
            early.notifications.length <
            (this.options.maxEarlyNotifications ?? DEFAULT_MAX_EARLY_NOTIFICATIONS)
          ) {
            early.notifications.push(notification);
          } else {
            early.overflowed = true;
          }
          return;
        }
      }
    }
    if (route.threadId !== undefined) this.threadNotification(route.threadId, notification);
  }

  private threadNotification(threadId: string, notification: ServerNotification): void {
    switch (notification.method) {
      case "thread/status/changed":
        this.threads
          .get(threadId)
          ?.actor.send({ type: "server.status", status: notification.params.status.type });
        return;
      case "thread/closed":
        this.threads.get(threadId)?.actor.send({ type: "closed", reason: "the server closed the thread" });
        return;
      case "thread/archived":
        this.threads.get(threadId)?.actor.send({ type: "archived" });
        return;
      case "thread/unarchived":
        this.threads.get(threadId)?.actor.send({ type: "unarchived" });
        return;
    }
  }

  /**
   * Errors the peer reports, to `onError` (else stderr, once each). In strict mode a notification that
   * fails validation is not delivered:
   * when it belongs to a turn, that turn fails with the validation error at once (and is interrupted on
   * the server) instead of waiting for a `turn/completed` that may be the message that was dropped.
   */
  private onPeerError(error: Error): void {
    // Without a hook nothing the peer reports (a dropped or invalid message, a stray answer) is lost:
    // each distinct one is printed once.
    if (this.options.onError !== undefined) this.options.onError(error);
    else warnOnce(error);
    const dropped = this.validation === "strict" && error instanceof CodexValidationError;
    if (!dropped || error.kind !== "notification") return;
    const { threadId, turnId } = error.route;
    if (turnId === undefined) return;
    const turn = this.turns.get(turnId);
    if (turn !== undefined) {
      this.failInvalidTurn(turn, error);
      return;
    }
    const early = threadId === undefined ? undefined : this.turnStarts.get(threadId);
    if (early !== undefined) early.invalid ??= error;
  }

  private failInvalidTurn(turn: TurnHandle, error: CodexValidationError): void {
    if (turn.isFinished) return;
    turn._fail(error);
    void this.peer
      .request("turn/interrupt", { threadId: turn.threadId, turnId: turn.turnId })
      .catch(() => undefined);
  }

  private warn(warning: Error): void {
    const hook = this.options.onWarning ?? this.options.onError;
    if (hook !== undefined) hook(warning);
    else warnOnce(warning);
  }

  private onTurnEnded(turn: TurnHandle): void {
    this.turns.delete(turn.turnId);
    if (this.lastTurn === turn) this.lastTurn = undefined;
    this.finishedTurns.set(turn.turnId, turn);
    if (this.finishedTurns.size > FINISHED_TURNS_KEPT) {
      const oldest = this.finishedTurns.keys().next().value as string;
      this.finishedTurns.delete(oldest);
    }
    // The turn's actor is done; the handle keeps it. Leaving it among the root's children would make
    // every later spawn and stop slower: each one copies the children map.
    if (this.actor.getSnapshot().status === "active")
      this.actor.send({ type: "stop.child", id: `turn:${turn.turnId}` });
    this.threads.get(turn.threadId)?.actor.send({ type: "turn.ended", turnId: turn.turnId });
    for (const [key, open] of this.openRequests) {
      if (open.turnId === turn.turnId) {
        this.openRequests.delete(key);
        open.controller.abort(new Error("the turn ended"));
      }
    }
  }

  private withdrawServerRequest(key: string): void {
    const open = this.openRequests.get(key);
    if (!open) return;
    this.openRequests.delete(key);
    open.controller.abort(new Error("the server withdrew the request"));
  }

  private async answerServerRequest(
    method: ServerRequestMethod,
    params: unknown,
    context: { id: RequestId; signal: AbortSignal },
  ): Promise<never> {
    const route = routeOf(method, params);
    const controller = new AbortController();
    const onPeerAbort = () => controller.abort(context.signal.reason);
    context.signal.addEventListener("abort", onPeerAbort, { once: true });
    const key = String(context.id);
    const turn = route.turnId === undefined ? undefined : this.turns.get(route.turnId);
    const request = createServerRequest(method, context.id, params, route, controller.signal);
    this.openRequests.set(key, { controller, turnId: route.turnId });
    turn?._requestOpened(key);
    try {
      const answer = await this.decide(request, controller.signal);
      const checked = checkServerRequestAnswer(request, answer);
      if (answer !== undefined && checked === undefined) {
        this.options.onError?.(
          new CodexUsageError(
            `the answer to ${method} is not one the server offered; the safe default was sent instead`,
          ),
        );
      }
      return (checked ?? request.safeDefault()) as never;
    } finally {
      context.signal.removeEventListener("abort", onPeerAbort);
      this.openRequests.delete(key);
      turn?._requestClosed(key);
    }
  }

  private async decide(request: ServerRequest, signal: AbortSignal): Promise<unknown> {
    const withdrawn = new Promise<undefined>((resolve) => {
      if (signal.aborted) resolve(undefined);
      else signal.addEventListener("abort", () => resolve(undefined), { once: true });
    });
    const handler = this.options.onServerRequest;
    if (handler) {
      try {
        return await Promise.race([Promise.resolve().then(() => handler(request)), withdrawn]);
      } catch (error) {
        this.options.onError?.(error as Error);
        return undefined;
      }
    }
    if (this.requestReaders.size === 0) return undefined;
    let respond!: (answer: unknown) => void;
    const answered = new Promise<unknown>((resolve) => {
      respond = resolve;
    });
    const pending = Object.assign(Object.create(null), request, { respond }) as PendingServerRequest;
    for (const reader of this.requestReaders) reader.push(pending);
    return Promise.race([answered, withdrawn]);
  }

  private onTransportClosed(info: TransportCloseInfo): void {
    const byUs = this.closeRequested;
    const error = new ConnectionClosedError(`the connection closed: ${info.reason}`, {
      ...(info.exitCode === undefined ? {} : { exitCode: info.exitCode }),
      ...(info.signal === undefined ? {} : { signal: info.signal }),
      ...(info.stderrTail === undefined ? {} : { stderrTail: info.stderrTail }),
      ...(info.error ? { cause: info.error } : {}),
    });
    this.closedError = error;
    for (const turn of [...this.turns.values()]) turn._fail(error);
    for (const open of this.openRequests.values()) open.controller.abort(error);
    this.openRequests.clear();
    for (const reader of this.requestReaders) reader.end(byUs ? undefined : error);
    for (const stream of this.notificationStreams) stream.end(byUs ? undefined : error);
    for (const thread of this.threads.values()) {
      if (thread.actor.getSnapshot().status === "active")
        thread.actor.send({ type: "closed", reason: info.reason });
    }
    if (this.actor.getSnapshot().status === "active") {
      this.actor.send({
        type: "transport.closed",
        reason: info.reason,
        failed: !byUs && info.error !== undefined,
      });
    }
  }
}

/** Unset fields are left out of the request; `null` is kept and sent as null. */
function omitUndefined<T extends object>(value: T): T {
  for (const key in value) {
    if (value[key] === undefined) {
      return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
    }
  }
  return value;
}

import type {
  ClientRequestMap,
  JsonRpcMessage,
  JsonRpcRequest,
  MessageValidator,
  RequestId,
  ReviewTarget,
  ServerNotificationMethod,
  ServerNotificationParams,
  Thread,
  UserInput,
} from "@codex-app-server/protocol";
import { createValidator, loadSchemas } from "@codex-app-server/protocol";
import type { TransportCloseInfo } from "@codex-app-server/transport";
import {
  CodexInternalError,
  CodexInvalidRequestError,
  CodexMethodNotFoundError,
  CodexProtocolViolationError,
  InMemoryTransport,
  ServerBusyError,
} from "@codex-app-server/transport";
import type { FakeWebSocketListenOptions, FakeWebSocketServer } from "../node/fakeWebSocketServer.js";
import { listenWebSocket } from "../node/fakeWebSocketServer.js";
import { FakeAppServerClosedError, FakeServerInvalidMessageError } from "./errors.js";
import { FakeIds } from "./fakeIds.js";
import type { FakeServerTransport } from "./fakeSession.js";
import { FakeSession } from "./fakeSession.js";
import type { FakeThread } from "./fakeTurn.js";
import { FakeTurn } from "./fakeTurn.js";
import type { HandlerSpec } from "./handlerSpec.js";
import { resolveHandlerSpec } from "./handlerSpec.js";
import { makeThread, makeTurn } from "./payloads.js";
import { CompactionPlayer, ReviewPlayer, reviewPrompt, reviewStartTurn } from "./taskTurnPlayers.js";
import type { TurnPlayerContext } from "./turnPlayer.js";
import { TurnPlayer } from "./turnPlayer.js";
import type { TurnScript, TurnStep } from "./turnScript.js";
import { checkTurnScript } from "./turnScript.js";

type ClientMethod = keyof ClientRequestMap & string;

/** Answers for client requests by method, replacing the built-in ones. */
export type FakeHandlers = {
  [M in ClientMethod]?: HandlerSpec<ClientRequestMap[M]["params"], ClientRequestMap[M]["result"]>;
};

export interface FakeAppServerOptions {
  /** Scripts for successive turns, first in first out (across threads, in `turn/start` order). */
  turns?: Array<TurnScript | TurnStep[]>;
  /** Played when no script is queued. Default: one short message, `"ok"`. */
  defaultTurn?: TurnScript | TurnStep[];
  /** Answers for any client request, replacing the built-in ones. */
  handlers?: FakeHandlers;
  /**
   * Steps played inside every compaction turn (`thread/compact/start`) while its item runs. Default
   * none: the compaction completes at once. `[step.hang()]` holds it until it is interrupted.
   * (A review, `review/start`, takes the next turn script instead: its last message is the review.)
   */
  compaction?: TurnStep[];
  /** The workspace threads report and commands run in. Default `/workspace`. */
  cwd?: string;
  /** Default `mock-model`, like the real server against a scripted model. */
  model?: string;
  /** Check every message the fake sends against the protocol's schemas. Default true. */
  validateOutgoing?: boolean;
  /** Called with each error also recorded in `errors`. */
  onError?: (error: Error) => void;
}

/** One connection being served; `closed` resolves when it ends, for whatever reason. */
export interface FakeConnection {
  readonly closed: Promise<TransportCloseInfo>;
  close(): Promise<void>;
}

interface RequestWaiter {
  method: string;
  count: number;
  resolve: (request: JsonRpcRequest) => void;
  reject: (error: Error) => void;
}

const OVERLOADED_MESSAGE = "Server overloaded; retry later.";

/**
 * A deterministic, scriptable stand-in for `codex app-server`. It plays {@link TurnScript}s and
 * emits the notification sequences the real server emits for the same story (checked by the
 * conformance suite against the real binary), with ids shaped like the real ones. Every message it
 * sends is checked against the protocol's schemas, and every message it receives is recorded.
 *
 * Serve it in memory ({@link FakeAppServer.inMemory}), over WebSocket ({@link FakeAppServer.listen})
 * or over stdio (the `codex-fake-app-server` bin); several connections may share one fake.
 */
export class FakeAppServer implements AsyncDisposable {
  /** Every message received from clients, in order. */
  readonly received: JsonRpcMessage[] = [];
  /** Every message sent to clients, in order. */
  readonly sent: JsonRpcMessage[] = [];
  /**
   * What went wrong on the fake's side: a script or handler that produced an invalid message, a
   * handler that threw something other than a `CodexRpcError`, an unreadable incoming message.
   */
  readonly errors: Error[] = [];

  private readonly ids = new FakeIds();
  private readonly scripts: TurnScript[] = [];
  private readonly defaultTurn: TurnScript;
  private readonly compaction: TurnStep[];
  private readonly handlers = new Map<string, HandlerSpec<unknown, unknown>>();
  private readonly calls = new Map<string, number>();
  private readonly threads = new Map<string, FakeThread>();
  private readonly sessions = new Set<FakeSession>();
  private readonly validator: MessageValidator | undefined;
  private readonly waiters = new Set<RequestWaiter>();
  private readonly listeners = new Set<FakeWebSocketServer>();
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly player: TurnPlayerContext;
  private overloadRemaining = 0;
  private isClosed = false;
  private readonly cwd: string;
  private readonly model: string;

  constructor(options: FakeAppServerOptions = {}) {
    (options.turns ?? []).forEach((script, i) => {
      this.scripts.push(checkTurnScript(script, `turns[${i}]`));
    });
    this.defaultTurn = checkTurnScript(
      options.defaultTurn ?? [{ type: "message", text: "ok", chunks: 1 }],
      "defaultTurn",
    );
    this.compaction = checkTurnScript(options.compaction ?? [], "compaction").steps;
    for (const [method, spec] of Object.entries(options.handlers ?? {}))
      this.handlers.set(method, spec as HandlerSpec<unknown, unknown>);
    this.cwd = options.cwd ?? "/workspace";
    this.model = options.model ?? "mock-model";
    this.onError = options.onError;
    this.validator =
      options.validateOutgoing === false ? undefined : createValidator({ mode: "strict", side: "client" });
    this.player = {
      ids: this.ids,
      cwd: this.cwd,
      checkNotification: (method, params) => {
        this.check(this.validator?.notification(method, params), `params of ${method}`);
      },
      checkRequest: (method, params) => {
        this.check(this.validator?.request(method, params), `params of ${method}`);
      },
      scriptFailed: (error) => this.recordError(error),
    };
  }

  /** A fake serving one in-memory connection: hand `transport` to the client. */
  static inMemory(options: FakeAppServerOptions = {}): {
    server: FakeAppServer;
    transport: InMemoryTransport;
  } {
    const server = new FakeAppServer(options);
    const [clientEnd, serverEnd] = InMemoryTransport.createLinkedPair();
    // Closed before it started serving (closing right away is fine); any other failure is recorded.
    server.serve(serverEnd).catch((error: Error) => {
      if (!server.isClosed) server.recordError(error);
    });
    return { server, transport: clientEnd };
  }

  /**
   * A fake listening on `ws://127.0.0.1:<port>` that asks for `Authorization: Bearer <token>` (401
   * otherwise) and refuses upgrades with an `Origin` header (403), like the real server. Every
   * connection is served by the same fake, `server`.
   */
  static async listen(
    options: FakeAppServerOptions & FakeWebSocketListenOptions = {},
  ): Promise<FakeWebSocketServer> {
    const server = new FakeAppServer(options);
    return server.listen(options);
  }

  /** Serves WebSocket connections with this fake; see {@link FakeAppServer.listen}. */
  async listen(options: FakeWebSocketListenOptions = {}): Promise<FakeWebSocketServer> {
    this.assertOpen("listen");
    const listener = await listenWebSocket(this, options);
    this.listeners.add(listener);
    void listener.closed.then(() => this.listeners.delete(listener));
    return listener;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Queues the script of the next turn. */
  enqueueTurn(script: TurnScript | TurnStep[]): this {
    this.scripts.push(checkTurnScript(script, `enqueueTurn(#${this.scripts.length})`));
    return this;
  }

  /** Scripts queued and not started yet. */
  get pendingTurns(): number {
    return this.scripts.length;
  }

  /** Sets the answer to a client request: a value, a function, or a list indexed by call number. */
  on<M extends ClientMethod>(
    method: M,
    spec: HandlerSpec<ClientRequestMap[M]["params"], ClientRequestMap[M]["result"]>,
  ): this {
    this.handlers.set(method, spec as HandlerSpec<unknown, unknown>);
    return this;
  }

  /**
   * Sends a notification, checked like the scripts' own, to every connected client, outside any turn
   * script: what a test needs when the server says something on its own (a status change, an item of
   * a turn that goes on after a reconnection). Resolves once written.
   */
  async notify<M extends ServerNotificationMethod>(
    method: M,
    params: ServerNotificationParams<M>,
  ): Promise<void> {
    this.assertOpen("notify");
    await Promise.all([...this.sessions].map((session) => this.emit(session, method, params)));
  }

  /** Answers the next `count` requests, whatever their method, with the real server's overload error (-32001, no data). */
  overloadNext(count: number): this {
    this.overloadRemaining = count;
    return this;
  }

  /** Requests received, optionally only those of one method. */
  requests(method?: string): JsonRpcRequest[] {
    return this.received.filter(
      (m): m is JsonRpcRequest => "method" in m && "id" in m && (method === undefined || m.method === method),
    );
  }

  /** Resolves with the `count`-th request of `method` once it has arrived; rejects if the fake closes first. */
  waitForRequest(method: string, count = 1): Promise<JsonRpcRequest> {
    const found = this.requests(method)[count - 1];
    if (found) return Promise.resolve(found);
    if (this.isClosed)
      return Promise.reject(
        new FakeAppServerClosedError(`the fake closed before request ${method} #${count}`),
      );
    return new Promise((resolve, reject) => {
      this.waiters.add({ method, count, resolve, reject });
    });
  }

  /** Serves one connection over the server end of a transport. Resolves once started. */
  async serve(transport: FakeServerTransport): Promise<FakeConnection> {
    this.assertOpen("serve a connection");
    let resolveClosed!: (info: TransportCloseInfo) => void;
    const closed = new Promise<TransportCloseInfo>((resolve) => {
      resolveClosed = resolve;
    });
    const session: FakeSession = new FakeSession(transport, {
      received: (message) => {
        this.received.push(message);
        this.checkWaiters();
      },
      sent: (message) => this.sent.push(message),
      error: (error) => {
        // A late answer to an approval the fake stopped waiting for (the turn was interrupted) is not a fault.
        if (error instanceof CodexProtocolViolationError && error.code === "response_without_pending_request")
          return;
        this.recordError(error);
      },
      closed: (ended, info) => {
        this.sessions.delete(ended);
        // Its turns end with it (a turn whose `turn/start` answer was never written never started).
        for (const known of this.threads.values()) {
          if (known.activeTurn?.session !== ended) continue;
          known.activeTurn.interrupt();
          known.activeTurn = undefined;
        }
        resolveClosed(info);
      },
    });
    session.peer.setFallbackRequestHandler((params, context) =>
      this.answer(session, context.method, params, context.id),
    );
    this.sessions.add(session);
    // The fake's own checks report zod's issues, so it serves once the schemas have loaded.
    if (this.validator !== undefined) await loadSchemas();
    await session.start();
    return { closed, close: () => session.close() };
  }

  /** Closes every connection and listener; pending `waitForRequest` calls reject. Idempotent. */
  async close(): Promise<void> {
    this.isClosed = true;
    await Promise.all([...this.listeners].map((listener) => listener.close()));
    await Promise.all([...this.sessions].map((session) => session.close()));
    for (const waiter of this.waiters)
      waiter.reject(
        new FakeAppServerClosedError(`the fake closed before request ${waiter.method} #${waiter.count}`),
      );
    this.waiters.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // Requests

  private async answer(
    session: FakeSession,
    method: string,
    params: unknown,
    id: RequestId,
  ): Promise<unknown> {
    if (this.overloadRemaining > 0) {
      this.overloadRemaining--;
      throw new ServerBusyError(OVERLOADED_MESSAGE, { method });
    }
    const call = this.calls.get(method) ?? 0;
    this.calls.set(method, call + 1);
    const spec = this.handlers.get(method);
    const result =
      spec !== undefined
        ? await resolveHandlerSpec(spec, params, call)
        : this.builtIn(session, method, (params ?? {}) as Record<string, unknown>, id);
    this.check(this.validator?.response(method, result), `result of ${method}`);
    return result;
  }

  private builtIn(session: FakeSession, method: string, p: Record<string, unknown>, id: RequestId): unknown {
    switch (method) {
      case "initialize":
        return {
          userAgent: "codex_app_server_fake/0.171.0",
          codexHome: "/tmp/codex-home",
          platformFamily: "unix",
          platformOs: "linux",
        };
      case "thread/start":
      case "thread/fork": {
        const thread = makeThread(this.ids, {
          cwd: (p.cwd as string | undefined) ?? this.cwd,
          model: (p.model as string | undefined) ?? this.model,
          modelProvider: "mock",
        });
        if (method === "thread/fork")
          (thread as { forkedFromId: string | null }).forkedFromId = String(p.threadId);
        this.threads.set(thread.id, {
          thread,
          activeTurn: undefined,
          usage: { inputTokens: 0, outputTokens: 0 },
        });
        session.afterAnswerTo(id, () => void this.emit(session, "thread/started", { thread }));
        return this.threadResponse(thread);
      }
      case "thread/resume":
        return this.threadResponse(this.requireThread(p.threadId).thread);
      case "thread/read":
        return { thread: this.requireThread(p.threadId).thread };
      case "thread/list":
        return { data: [...this.threads.values()].map((t) => t.thread), nextCursor: null };
      case "thread/archive": {
        const known = this.requireThread(p.threadId);
        session.afterAnswerTo(
          id,
          () => void this.emit(session, "thread/archived", { threadId: known.thread.id }),
        );
        return {};
      }
      case "thread/unarchive": {
        const known = this.requireThread(p.threadId);
        session.afterAnswerTo(
          id,
          () => void this.emit(session, "thread/unarchived", { threadId: known.thread.id }),
        );
        return { thread: known.thread };
      }
      case "thread/unsubscribe": {
        const known = this.threads.get(String(p.threadId));
        return { status: known ? "unsubscribed" : "notLoaded" };
      }
      case "thread/name/set": {
        const known = this.requireThread(p.threadId);
        (known.thread as { name: string | null }).name = String(p.name);
        return {};
      }
      case "thread/compact/start": {
        const known = this.requireThread(p.threadId);
        const turn = new FakeTurn(this.ids.uuidv7(), known, session, this.ids.seconds(), "compact");
        const player = new CompactionPlayer(this.player, turn);
        this.startTask(session, turn, id, () => player.playCompaction(this.compaction));
        return {};
      }
      case "review/start": {
        const known = this.requireThread(p.threadId);
        const prompt = reviewPrompt(p.target as ReviewTarget);
        const script = this.scripts.shift() ?? this.defaultTurn;
        const reviewId = this.ids.uuidv7();
        const seconds = this.ids.seconds();
        const turn = new FakeTurn(reviewId, known, session, seconds, "review", this.ids.uuidv7());
        const player = new ReviewPlayer(this.player, turn);
        this.startTask(session, turn, id, () => player.playReview(script, prompt));
        return { turn: reviewStartTurn(reviewId, prompt), reviewThreadId: known.thread.id };
      }
      case "thread/revert":
        return { thread: { ...this.requireThread(p.threadId).thread, turns: [] } };
      case "model/list":
        return { data: [], nextCursor: null };
      case "turn/start":
        return this.startTurn(session, p, id);
      case "turn/steer": {
        const turn = this.requireThread(p.threadId).activeTurn;
        if (!turn) throw new CodexInvalidRequestError("no active turn to steer", { method });
        if (turn.kind !== "regular")
          throw new CodexInvalidRequestError(`cannot steer a ${turn.kind} turn`, { method });
        if (turn.id !== p.expectedTurnId)
          throw new CodexInvalidRequestError(
            `expected active turn id \`${String(p.expectedTurnId)}\` but found \`${turn.id}\``,
            { method },
          );
        session.afterAnswerTo(id, () => turn.steer((p.input as UserInput[] | undefined) ?? []));
        return { turnId: turn.id };
      }
      case "turn/interrupt": {
        const turn = this.requireThread(p.threadId).activeTurn;
        // The real server refuses an interrupt until the turn has started (`turn/started`).
        if (!turn?.started) throw new CodexInvalidRequestError("no active turn to interrupt", { method });
        if (turn.activeId !== p.turnId)
          throw new CodexInvalidRequestError(
            `expected active turn id \`${String(p.turnId)}\` but found \`${turn.activeId}\``,
            { method },
          );
        // The real server answers `{}` first; `turn/completed(interrupted)` follows.
        session.afterAnswerTo(id, () => turn.interrupt());
        return {};
      }
      default:
        throw new CodexMethodNotFoundError(`method not found: ${method}`, { method });
    }
  }

  private threadResponse(thread: Thread): unknown {
    return {
      thread,
      model: thread.model ?? this.model,
      modelProvider: thread.modelProvider,
      serviceTier: null,
      disabledPluginIds: [],
      cwd: thread.cwd,
      instructionSources: [],
      approvalPolicy: "on-request",
      approvalsReviewer: "user",
      sandbox: {
        type: "workspaceWrite",
        writableRoots: [],
        networkAccess: false,
        excludeTmpdirEnvVar: false,
        excludeSlashTmp: false,
      },
      reasoningEffort: null,
    };
  }

  private requireThread(threadId: unknown): FakeThread {
    const known = this.threads.get(String(threadId));
    if (!known) throw new CodexInvalidRequestError(`thread not found: ${String(threadId)}`);
    return known;
  }

  // Turns

  private startTurn(session: FakeSession, p: Record<string, unknown>, id: RequestId): unknown {
    const known = this.requireThread(p.threadId);
    const input = (p.input as UserInput[] | undefined) ?? [];
    const active = known.activeTurn;
    if (active && active.kind !== "regular") {
      const kind = active.kind === "compact" ? "Compact" : "Review";
      throw new CodexInternalError(
        `failed to submit turn input: ActiveTurnNotSteerable { turn_kind: ${kind} }`,
        { method: "turn/start" },
      );
    }
    if (active) {
      // Like the real server: `turn/start` on a busy thread steers the running turn.
      session.afterAnswerTo(id, () => active.steer(input));
      return { turn: makeTurn(active.id, "inProgress") };
    }
    const script = this.scripts.shift() ?? this.defaultTurn;
    const turn = new FakeTurn(this.ids.uuidv7(), known, session, this.ids.seconds());
    known.activeTurn = turn;
    const player = new TurnPlayer(this.player, turn);
    const early = script.earlyNotifications === true;
    const failed = (error: unknown) =>
      this.recordError(error instanceof Error ? error : new Error(String(error)));
    if (early) player.announce().catch(failed);
    session.afterAnswerTo(id, () => {
      const play = () => player.play(script, input, early).catch(failed);
      if (early || !script.startDelayMs) play();
      else setTimeout(play, script.startDelayMs);
    });
    return { turn: makeTurn(turn.id, "inProgress") };
  }

  /**
   * A compaction or review becomes the thread's turn at once (so `turn/start` is refused while it
   * runs). Like the real server, it interrupts a turn still running, and plays once that one ended,
   * after its own answer was written.
   */
  private startTask(session: FakeSession, turn: FakeTurn, id: RequestId, play: () => Promise<void>): void {
    const previous = turn.thread.activeTurn;
    turn.thread.activeTurn = turn;
    session.afterAnswerTo(id, () => {
      previous?.interrupt();
      void (previous?.ended ?? Promise.resolve())
        .then(() => (session.open ? play() : turn.markEnded()))
        .catch((error: unknown) =>
          this.recordError(error instanceof Error ? error : new Error(String(error))),
        );
    });
  }

  // Bookkeeping

  private emit(session: FakeSession, method: string, params: unknown): Promise<void> {
    this.player.checkNotification(method, params);
    return session.notify(method, params);
  }

  private check(result: ReturnType<MessageValidator["notification"]> | undefined, what: string): void {
    if (result && !result.ok)
      throw new FakeServerInvalidMessageError(
        `the fake server would send invalid ${what}: ${result.error.message}`,
      );
  }

  private recordError(error: Error): void {
    this.errors.push(error);
    this.onError?.(error);
  }

  private checkWaiters(): void {
    for (const waiter of this.waiters) {
      const found = this.requests(waiter.method)[waiter.count - 1];
      if (found) {
        this.waiters.delete(waiter);
        waiter.resolve(found);
      }
    }
  }

  private assertOpen(action: string): void {
    if (this.isClosed) throw new FakeAppServerClosedError(`cannot ${action}: the fake app-server is closed`);
  }
}

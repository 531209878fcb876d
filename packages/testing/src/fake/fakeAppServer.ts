import type {
  ClientNotificationMap,
  ClientRequestMap,
  JsonRpcMessage,
  JsonRpcRequest,
  MessageValidator,
  ServerNotificationMap,
  ServerRequestMap,
  Thread,
  ThreadItem,
  UserInput,
} from "@codex-app-server/protocol";
import { CodexError, createValidator } from "@codex-app-server/protocol";
import type { Transport } from "@codex-app-server/transport";
import { CodexRpcError, InMemoryTransport, RpcPeer, ServerBusyError } from "@codex-app-server/transport";
import { FakeIds } from "./fakeIds.js";
import type { HandlerSpec } from "./handlerSpec.js";
import { resolveHandlerSpec } from "./handlerSpec.js";
import {
  agentMessageItem,
  commandItem,
  fileChangeItem,
  makeThread,
  makeTurn,
  reasoningItem,
  tokenUsage,
  userMessageItem,
} from "./payloads.js";
import type { TurnScript, TurnStep } from "./turnScript.js";
import { chunkText } from "./turnScript.js";

type ServerPeer = RpcPeer<ServerRequestMap, ClientRequestMap, ServerNotificationMap, ClientNotificationMap>;

/** One client connection: its peer, its transport, and what to do once a response has been written. */
interface Session {
  peer: ServerPeer;
  transport: RawCapableTransport;
  afterResponse: Map<string | number, () => void>;
  /** The request being answered right now (set while its handler runs). */
  currentRequestId: string | number | undefined;
}
type ClientMethod = keyof ClientRequestMap & string;

/** The fake sent something its own protocol schemas reject: a bug in the script or the fake. */
export class FakeServerInvalidMessageError extends CodexError {
  constructor(message: string) {
    super("fake_invalid_message", message);
  }
}

export interface FakeAppServerOptions {
  /** Scripts for successive turns, first in first out. */
  turns?: Array<TurnScript | TurnStep[]>;
  /** Played when no script is queued: one short message. */
  defaultTurn?: TurnScript | TurnStep[];
  /** Answers for any client request, replacing the built-in ones. */
  handlers?: {
    [M in ClientMethod]?: HandlerSpec<ClientRequestMap[M]["params"], ClientRequestMap[M]["result"]>;
  };
  cwd?: string;
  model?: string;
  /** Check every message the fake sends against the protocol's schemas, and throw on a mismatch. Default true. */
  validateOutgoing?: boolean;
}

/** A transport end that can also write raw bytes (a malformed line). */
interface RawCapableTransport extends Transport {
  sendRaw?(line: string): Promise<void>;
}

interface FakeTurn {
  id: string;
  threadId: string;
  interrupted: boolean;
  wake: (() => void) | undefined;
  steers: UserInput[][];
  items: ThreadItem[];
  startedAt: number;
}

interface FakeThread {
  thread: Thread;
  activeTurn: FakeTurn | undefined;
  archived: boolean;
}

class Interrupted extends Error {}

const OVERLOADED = { code: -32001, message: "Server overloaded; retry later." };

/**
 * A deterministic, scriptable stand-in for `codex app-server`. It emits the notification sequences
 * the real server emits for the same story, with ids shaped like the real ones, and every message it
 * sends is checked against the protocol package's schemas. It records every message it receives.
 */
export class FakeAppServer implements AsyncDisposable {
  /** Every message received from clients, in order. */
  readonly received: JsonRpcMessage[] = [];
  /** Every message sent to clients, in order. */
  readonly sent: JsonRpcMessage[] = [];

  private readonly ids = new FakeIds();
  private readonly scripts: TurnScript[] = [];
  private readonly defaultTurn: TurnScript;
  private readonly handlers = new Map<string, HandlerSpec<unknown, unknown>>();
  private readonly calls = new Map<string, number>();
  private readonly threads = new Map<string, FakeThread>();
  private readonly sessions = new Set<Session>();
  private readonly validator: MessageValidator | undefined;
  private readonly waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  private overloadRemaining = 0;
  private readonly cwd: string;
  private readonly model: string;

  constructor(options: FakeAppServerOptions = {}) {
    for (const script of options.turns ?? []) this.scripts.push(toScript(script));
    this.defaultTurn = toScript(options.defaultTurn ?? [{ type: "message", text: "ok", chunks: 1 }]);
    for (const [method, spec] of Object.entries(options.handlers ?? {}))
      this.handlers.set(method, spec as HandlerSpec<unknown, unknown>);
    this.cwd = options.cwd ?? "/workspace";
    this.model = options.model ?? "mock-model";
    this.validator =
      options.validateOutgoing === false ? undefined : createValidator({ mode: "strict", side: "client" });
  }

  /** A fake serving one in-memory connection: hand `transport` to the client. */
  static inMemory(options: FakeAppServerOptions = {}): {
    server: FakeAppServer;
    transport: InMemoryTransport;
  } {
    const server = new FakeAppServer(options);
    const [clientEnd, serverEnd] = InMemoryTransport.createLinkedPair();
    void server.serve(serverEnd);
    return { server, transport: clientEnd };
  }

  /** Queues the script of the next turn. */
  enqueueTurn(script: TurnScript | TurnStep[]): this {
    this.scripts.push(toScript(script));
    return this;
  }

  /** Sets the answer to a client request: a value, a function, or a list indexed by call number. */
  on<M extends ClientMethod>(
    method: M,
    spec: HandlerSpec<ClientRequestMap[M]["params"], ClientRequestMap[M]["result"]>,
  ): this {
    this.handlers.set(method, spec as HandlerSpec<unknown, unknown>);
    return this;
  }

  /** Answers the next `count` requests with the real server's overload error (-32001, no data). */
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

  /** Resolves once `count` requests of `method` have arrived. */
  waitForRequest(method: string, count = 1): Promise<JsonRpcRequest> {
    return new Promise((resolve) => {
      const check = () => {
        const found = this.requests(method);
        if (found.length >= count) {
          resolve(found[count - 1] as JsonRpcRequest);
          return true;
        }
        return false;
      };
      if (!check()) this.waiters.push({ check, resolve: () => undefined });
    });
  }

  /** Serves one connection over the server end of a transport. Resolves once started. */
  async serve(transport: RawCapableTransport): Promise<void> {
    const recording: Transport = {
      start: () => transport.start(),
      close: () => transport.close(),
      send: async (message) => {
        this.sent.push(message);
        await transport.send(message);
        if (!("method" in message) && "id" in message && message.id !== null) {
          const action = session.afterResponse.get(message.id);
          if (action) {
            session.afterResponse.delete(message.id);
            action();
          }
        }
      },
      label: transport.label ?? "fake",
    };
    transport.onmessage = (message) => {
      this.received.push(message);
      recording.onmessage?.(message);
      this.checkWaiters();
    };
    transport.onerror = (error) => recording.onerror?.(error);
    transport.onclose = (info) => recording.onclose?.(info);
    const peer: ServerPeer = new RpcPeer({
      transport: recording,
      requestTimeoutMs: null,
      name: "fake-app-server",
    });
    const session: Session = { peer, transport, afterResponse: new Map(), currentRequestId: undefined };
    this.sessions.add(session);
    peer.onclose = () => {
      this.sessions.delete(session);
      for (const t of this.threads.values()) if (t.activeTurn) this.interruptTurn(t.activeTurn);
    };
    peer.setFallbackRequestHandler((params, context) =>
      this.answer(session, context.method, params, context.id),
    );
    await peer.start();
  }

  async close(): Promise<void> {
    for (const { peer } of [...this.sessions]) await peer.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // Requests

  private async answer(
    session: Session,
    method: string,
    params: unknown,
    id: string | number,
  ): Promise<unknown> {
    if (this.overloadRemaining > 0) {
      this.overloadRemaining--;
      throw new ServerBusyError(OVERLOADED.message, { method });
    }
    const call = this.calls.get(method) ?? 0;
    this.calls.set(method, call + 1);
    const spec = this.handlers.get(method);
    session.currentRequestId = id;
    const result =
      spec !== undefined
        ? await resolveHandlerSpec(spec, params, call)
        : await this.builtIn(session, method, params);
    this.check(this.validator?.response(method, result), `result of ${method}`);
    return result;
  }

  private async builtIn(session: Session, method: string, params: unknown): Promise<unknown> {
    const p = (params ?? {}) as Record<string, unknown>;
    switch (method) {
      case "initialize":
        return {
          userAgent: "codex_app_server_fake/0.169.0",
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
        this.threads.set(thread.id, { thread, activeTurn: undefined, archived: false });
        this.afterResponse(session, () => this.emit(session, "thread/started", { thread }));
        return this.threadResponse(thread);
      }
      case "thread/resume": {
        const known = this.requireThread(String(p.threadId));
        return this.threadResponse(known.thread);
      }
      case "thread/read": {
        const known = this.requireThread(String(p.threadId));
        return { thread: known.thread };
      }
      case "thread/list":
        return { data: [...this.threads.values()].map((t) => t.thread), nextCursor: null };
      case "thread/archive": {
        const known = this.requireThread(String(p.threadId));
        known.archived = true;
        this.afterResponse(session, () =>
          this.emit(session, "thread/archived", { threadId: known.thread.id }),
        );
        return {};
      }
      case "thread/unarchive": {
        const known = this.requireThread(String(p.threadId));
        known.archived = false;
        this.afterResponse(session, () =>
          this.emit(session, "thread/unarchived", { threadId: known.thread.id }),
        );
        return { thread: known.thread };
      }
      case "thread/name/set": {
        const known = this.requireThread(String(p.threadId));
        (known.thread as { name: string | null }).name = String(p.name);
        return {};
      }
      case "thread/compact/start":
      case "thread/revert":
        this.requireThread(String(p.threadId));
        return {};
      case "model/list":
        return { data: [], nextCursor: null };
      case "turn/start":
        return this.startTurn(session, p);
      case "turn/steer": {
        const known = this.requireThread(String(p.threadId));
        const turn = known.activeTurn;
        if (!turn || turn.id !== p.expectedTurnId)
          throw new CodexRpcError(-32600, `no active turn ${String(p.expectedTurnId)} to steer`, { method });
        turn.steers.push(p.input as UserInput[]);
        turn.wake?.();
        return { turnId: turn.id };
      }
      case "turn/interrupt": {
        const known = this.requireThread(String(p.threadId));
        const turn = known.activeTurn;
        if (turn && turn.id === p.turnId) this.interruptTurn(turn);
        return {};
      }
      default:
        throw new CodexRpcError(-32601, `method not found: ${method}`, { method });
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

  private requireThread(threadId: string): FakeThread {
    const known = this.threads.get(threadId);
    if (!known) throw new CodexRpcError(-32600, `thread not found: ${threadId}`);
    return known;
  }

  // Turns

  private startTurn(session: Session, p: Record<string, unknown>): unknown {
    const known = this.requireThread(String(p.threadId));
    if (known.activeTurn) {
      known.activeTurn.steers.push(p.input as UserInput[]);
      known.activeTurn.wake?.();
      return { turn: makeTurn(known.activeTurn.id, "inProgress") };
    }
    const script = this.scripts.shift() ?? this.defaultTurn;
    const turn: FakeTurn = {
      id: this.ids.uuidv7(),
      threadId: known.thread.id,
      interrupted: false,
      wake: undefined,
      steers: [],
      items: [],
      startedAt: this.ids.seconds(),
    };
    known.activeTurn = turn;
    const input = (p.input as UserInput[]) ?? [];
    if (script.earlyNotifications) {
      this.emit(session, "thread/status/changed", {
        threadId: turn.threadId,
        status: { type: "active", activeFlags: [] },
      });
      this.emit(session, "turn/started", {
        threadId: turn.threadId,
        turn: makeTurn(turn.id, "inProgress", [], null, turn.startedAt),
      });
    }
    this.afterResponse(session, () => void this.playTurn(session, known, turn, script, input));
    return { turn: makeTurn(turn.id, "inProgress") };
  }

  private async playTurn(
    session: Session,
    thread: FakeThread,
    turn: FakeTurn,
    script: TurnScript,
    input: UserInput[],
  ): Promise<void> {
    const threadId = turn.threadId;
    if (!script.earlyNotifications) {
      this.emit(session, "thread/status/changed", { threadId, status: { type: "active", activeFlags: [] } });
      this.emit(session, "turn/started", {
        threadId,
        turn: makeTurn(turn.id, "inProgress", [], null, turn.startedAt),
      });
    }
    this.userMessage(session, turn, input);
    let status: "completed" | "interrupted" | "failed" = "completed";
    let error: { message: string; codexErrorInfo: unknown; additionalDetails: null } | null = null;
    let usageSent = false;
    try {
      for (const s of script.steps) {
        const outcome = await this.playStep(session, turn, s);
        if (outcome === "failed") {
          status = "failed";
          const failStep = s as Extract<TurnStep, { type: "fail" }>;
          error = {
            message: failStep.message,
            codexErrorInfo: failStep.codexErrorInfo ?? null,
            additionalDetails: null,
          };
          break;
        }
        if (outcome === "dropped") return;
        if (s.type === "usage") usageSent = true;
      }
      if (turn.interrupted) throw new Interrupted();
    } catch (e) {
      if (!(e instanceof Interrupted)) throw e;
      status = "interrupted";
    }
    if (!this.sessions.has(session)) return;
    if (status === "completed" && !usageSent)
      this.emit(session, "thread/tokenUsage/updated", {
        threadId,
        turnId: turn.id,
        tokenUsage: tokenUsage(10, 5),
      });
    // A failed turn leaves the thread in systemError (sent before the `error` notification); others go idle.
    if (status !== "failed")
      this.emit(session, "thread/status/changed", { threadId, status: { type: "idle" } });
    thread.activeTurn = undefined;
    const finalItems = turn.items.filter((i) => i.type === "agentMessage");
    this.emit(session, "turn/completed", {
      threadId,
      turn: makeTurn(turn.id, status, finalItems, error as never, turn.startedAt),
    });
  }

  /** Plays one step; returns "failed" when the turn failed, "dropped" when the connection was dropped. */
  private async playStep(
    session: Session,
    turn: FakeTurn,
    s: TurnStep,
  ): Promise<"ok" | "failed" | "dropped"> {
    if (turn.interrupted) throw new Interrupted();
    const threadId = turn.threadId;
    const turnId = turn.id;
    switch (s.type) {
      case "message": {
        const id = this.ids.item("msg");
        const phase = s.phase === undefined ? null : s.phase;
        this.emitItem(session, "item/started", turn, agentMessageItem(id, "", phase));
        for (const delta of chunkText(s.text, s.chunks ?? 1))
          this.emit(session, "item/agentMessage/delta", { threadId, turnId, itemId: id, delta });
        this.emitItem(session, "item/completed", turn, agentMessageItem(id, s.text, phase));
        return "ok";
      }
      case "reasoning": {
        const id = this.ids.item("rs");
        this.emitItem(session, "item/started", turn, reasoningItem(id, []));
        for (const delta of chunkText(s.summary, s.chunks ?? 1)) {
          this.emit(session, "item/reasoning/summaryTextDelta", {
            threadId,
            turnId,
            itemId: id,
            delta,
            summaryIndex: 0,
          });
        }
        this.emitItem(session, "item/completed", turn, reasoningItem(id, [s.summary]));
        return "ok";
      }
      case "exec":
      case "approval": {
        const id = this.ids.item("call");
        const cwd = (s.type === "exec" ? s.cwd : undefined) ?? this.cwd;
        const approval =
          s.type === "approval" ? { reason: s.reason, availableDecisions: s.availableDecisions } : s.approval;
        if (approval) this.waitingOnApproval(session, turn);
        if (s.type === "exec")
          this.emitItem(
            session,
            "item/started",
            turn,
            commandItem(id, s.command, cwd, "inProgress", null, null),
          );
        let accepted = true;
        if (approval) {
          accepted = await this.askApproval(
            session,
            turn,
            "item/commandExecution/requestApproval",
            {
              threadId,
              turnId,
              itemId: id,
              startedAtMs: Date.now(),
              approvalId: null,
              environmentId: null,
              kind: "command",
              reason: approval.reason ?? null,
              command: s.command,
              cwd,
              availableDecisions: approval.availableDecisions ?? ["accept", "cancel"],
            },
            () => {
              if (s.type === "exec")
                this.emitItem(
                  session,
                  "item/completed",
                  turn,
                  commandItem(id, s.command, cwd, "declined", null, null),
                );
            },
          );
        }
        if (s.type === "approval") {
          for (const next of accepted ? s.onAccept : s.onDecline) {
            const outcome = await this.playStep(session, turn, next);
            if (outcome !== "ok") return outcome;
          }
          return "ok";
        }
        if (!accepted) return "ok";
        if (s.output)
          this.emit(session, "item/commandExecution/outputDelta", {
            threadId,
            turnId,
            itemId: id,
            delta: s.output,
          });
        const exitCode = s.exitCode ?? 0;
        this.emitItem(
          session,
          "item/completed",
          turn,
          commandItem(id, s.command, cwd, exitCode === 0 ? "completed" : "failed", s.output ?? "", exitCode),
        );
        return "ok";
      }
      case "fileChange": {
        const id = this.ids.item("call");
        if (s.approval) this.waitingOnApproval(session, turn);
        this.emitItem(session, "item/started", turn, fileChangeItem(id, s.changes, "inProgress"));
        let accepted = true;
        if (s.approval) {
          accepted = await this.askApproval(
            session,
            turn,
            "item/fileChange/requestApproval",
            {
              threadId,
              turnId,
              itemId: id,
              startedAtMs: Date.now(),
              reason: s.approval.reason ?? null,
              grantRoot: null,
            },
            () => this.emitItem(session, "item/completed", turn, fileChangeItem(id, s.changes, "declined")),
          );
        }
        if (accepted)
          this.emitItem(session, "item/completed", turn, fileChangeItem(id, s.changes, "completed"));
        return "ok";
      }
      case "waitForSteer": {
        while (turn.steers.length === 0) await this.sleepUntilWoken(turn);
        for (const input of turn.steers.splice(0)) this.userMessage(session, turn, input);
        return "ok";
      }
      case "pause": {
        await this.sleepUntilWoken(turn, s.ms);
        return "ok";
      }
      case "usage":
        this.emit(session, "thread/tokenUsage/updated", {
          threadId,
          turnId,
          tokenUsage: tokenUsage(s.inputTokens ?? 10, s.outputTokens ?? 5),
        });
        return "ok";
      case "fail":
        this.emit(session, "thread/status/changed", { threadId, status: { type: "systemError" } });
        this.emit(session, "error", {
          threadId,
          turnId,
          willRetry: false,
          error: {
            message: s.message,
            codexErrorInfo: (s.codexErrorInfo ?? null) as never,
            additionalDetails: null,
          },
        });
        return "failed";
      case "hang":
        for (;;) await this.sleepUntilWoken(turn);
      case "dropConnection":
        await session.transport.close();
        return "dropped";
      case "malformed":
        if (session.transport.sendRaw) await session.transport.sendRaw(s.line);
        else await session.transport.send({ malformed: s.line } as unknown as JsonRpcMessage);
        return "ok";
      case "notify":
        this.emit(session, s.method as keyof ServerNotificationMap & string, s.params as never);
        return "ok";
    }
  }

  private async askApproval(
    session: Session,
    turn: FakeTurn,
    method: "item/commandExecution/requestApproval" | "item/fileChange/requestApproval",
    params: Record<string, unknown>,
    onDeclined: () => void,
  ): Promise<boolean> {
    this.check(this.validator?.request(method, params), `params of ${method}`);
    const controller = new AbortController();
    let requestId: string | number | undefined;
    const before = this.sent.length;
    const answer = session.peer.requestUntyped(method, params, {
      timeoutMs: null,
      signal: controller.signal,
    });
    const sentRequest = this.sent
      .slice(before)
      .find((m) => "method" in m && m.method === method && "id" in m) as JsonRpcRequest | undefined;
    requestId = sentRequest?.id;
    const interrupted = new Promise<"interrupted">((resolve) => {
      turn.wake = () => {
        if (turn.interrupted) resolve("interrupted");
      };
    });
    const outcome = await Promise.race([answer.then((r) => r as { decision?: unknown }), interrupted]).catch(
      () => "interrupted" as const,
    );
    turn.wake = undefined;
    if (outcome === "interrupted") controller.abort();
    if (requestId === undefined)
      requestId = (
        this.sent.findLast((m) => "method" in m && m.method === method && "id" in m) as
          | JsonRpcRequest
          | undefined
      )?.id;
    if (requestId !== undefined)
      this.emit(session, "serverRequest/resolved", { threadId: turn.threadId, requestId });
    if (outcome === "interrupted") throw new Interrupted();
    const decision = outcome.decision;
    const accepted =
      decision === "accept" ||
      decision === "acceptForSession" ||
      (typeof decision === "object" && decision !== null && !("denied" in decision));
    if (!accepted) onDeclined();
    this.emit(session, "thread/status/changed", {
      threadId: turn.threadId,
      status: { type: "active", activeFlags: [] },
    });
    return accepted;
  }

  private waitingOnApproval(session: Session, turn: FakeTurn): void {
    this.emit(session, "thread/status/changed", {
      threadId: turn.threadId,
      status: { type: "active", activeFlags: ["waitingOnApproval"] },
    });
  }

  private userMessage(session: Session, turn: FakeTurn, input: UserInput[]): void {
    const item = userMessageItem(this.ids.uuidv7(), input);
    this.emitItem(session, "item/started", turn, item);
    this.emitItem(session, "item/completed", turn, item);
  }

  private emitItem(
    session: Session,
    method: "item/started" | "item/completed",
    turn: FakeTurn,
    item: ThreadItem,
  ): void {
    if (method === "item/completed") turn.items.push(item);
    const at = Date.now();
    this.emit(
      session,
      method,
      method === "item/started"
        ? { item, threadId: turn.threadId, turnId: turn.id, startedAtMs: at }
        : { item, threadId: turn.threadId, turnId: turn.id, completedAtMs: at },
    );
  }

  private emit<M extends keyof ServerNotificationMap & string>(
    session: Session,
    method: M,
    params: ServerNotificationMap[M],
  ): void;
  private emit(session: Session, method: string, params: unknown): void;
  private emit(session: Session, method: string, params: unknown): void {
    if (!this.sessions.has(session)) return;
    this.check(this.validator?.notification(method, params), `params of ${method}`);
    void session.peer.notifyUntyped(method, params).catch(() => undefined);
  }

  private check(result: ReturnType<MessageValidator["notification"]> | undefined, what: string): void {
    if (result && !result.ok)
      throw new FakeServerInvalidMessageError(
        `the fake server would send invalid ${what}: ${result.error.message}`,
      );
  }

  /** Runs `action` once the answer to the request being handled has been written. */
  private afterResponse(session: Session, action: () => void): void {
    const id = session.currentRequestId;
    if (id === undefined) action();
    else session.afterResponse.set(id, action);
  }

  private interruptTurn(turn: FakeTurn): void {
    turn.interrupted = true;
    turn.wake?.();
  }

  private sleepUntilWoken(turn: FakeTurn, ms?: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        turn.wake = undefined;
        if (turn.interrupted) reject(new Interrupted());
        else resolve();
      }
      turn.wake = done;
    });
  }

  private checkWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]?.check()) this.waiters.splice(i, 1);
    }
  }
}

function toScript(script: TurnScript | TurnStep[]): TurnScript {
  return Array.isArray(script) ? { steps: script } : script;
}

import type {
  ClassifiedMessage,
  CodexValidationError,
  JsonRpcErrorObject,
  JsonRpcErrorResponse,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResponse,
  JsonRpcSuccessResponse,
  MessageValidator,
  RequestId,
} from "@codex-app-server/protocol";
import { CodexError, classifyMessage, JsonRpcErrorCode } from "@codex-app-server/protocol";
import { CodexConnectionLostError } from "./errors/connectionErrors.js";
import {
  CodexAbortError,
  CodexProtocolViolationError,
  CodexTransportError,
  ConnectionClosedError,
} from "./errors/localErrors.js";
import { CodexRpcError } from "./errors/rpcErrors.js";
import { PendingRequests } from "./pendingRequests.js";
import type { Transport, TransportCloseInfo } from "./transport.js";

/** Requests one side can send: method → its params and result. */
export interface RequestMap {
  [method: string]: { params: unknown; result: unknown };
}

/** Notifications one side can send: method → its params. */
export interface NotificationMap {
  [method: string]: unknown;
}

/**
 * What a map of requests must look like. Written against the map itself so that maps declared
 * as interfaces (which have no index signature) qualify too.
 */
export type RequestMapShape<T> = { [K in keyof T]: { params: unknown; result: unknown } };

/** `new`: built, not started. `started`: serving. `closed`: every public method refuses to run. */
export type RpcPeerState = "new" | "started" | "closed";

export interface RpcPeerOptions {
  transport: Transport;
  /** Checks incoming params and results; its `mode` decides what a failure does. None: no checks. */
  validator?: MessageValidator;
  /** Default timeout of each outgoing request. `null`: no timeout. Default 30 000 ms. */
  requestTimeoutMs?: number | null;
  /** Used in error messages. Default: the transport's label, else "rpc-peer". */
  name?: string;
  /** The id of the first outgoing request; later ones count up. Default 1. */
  firstRequestId?: number;
  /**
   * With a transport that can reconnect: requests of these methods (reads, safe to send twice) that are
   * waiting when the connection drops are kept and sent again by `resendKept()`; every other one fails
   * with `CodexConnectionLostError`. Default: none.
   */
  resendOnReconnect?: (method: string) => boolean;
}

export interface RequestOptions {
  /** Overrides the peer's `requestTimeoutMs` for this request. `null`: no timeout. */
  timeoutMs?: number | null;
  /** Aborting rejects the request with `CodexAbortError` (nothing is sent to the other side). */
  signal?: AbortSignal;
}

/** Given to a request handler next to the params. */
export interface IncomingRequestContext {
  id: RequestId;
  method: string;
  /** Aborts when the peer closes: the answer would never be sent. */
  signal: AbortSignal;
}

export type RequestHandler<P = unknown, R = unknown> = (
  params: P,
  context: IncomingRequestContext,
) => R | Promise<R>;

export type NotificationListener = (message: JsonRpcNotification) => void;

/** `params` may be left out when the method's params admit `undefined`. */
export type RequestArgs<P> = undefined extends P
  ? [params?: P, options?: RequestOptions]
  : [params: P, options?: RequestOptions];

export type NotifyArgs<P> = undefined extends P ? [params?: P] : [params: P];

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * One end of a JSON-RPC connection over a `Transport`: correlates our requests with their
 * answers, answers the other side's requests through handlers, and delivers notifications in
 * order. Used by the SDK client (`OutReq` = client requests) and by fake servers (the reverse).
 */
export class RpcPeer<
  OutReq extends RequestMapShape<OutReq> = RequestMap,
  InReq extends RequestMapShape<InReq> = RequestMap,
  OutNotif extends object = NotificationMap,
  InNotif extends object = NotificationMap,
> {
  /** Bad input from the other side, transport errors, failed listeners; the connection keeps serving. */
  onerror?: (error: Error) => void;
  /** Fires once, with why the connection ended. */
  onclose?: (info: TransportCloseInfo) => void;
  /**
   * Set before `start()` to reconnect instead of closing when a transport that can (`reopen`) drops:
   * fires then, and the peer stays started. Pending requests fail with `CodexConnectionLostError`
   * (those `resendOnReconnect` names wait); answers to the server's requests of the old connection are
   * not sent. Then `reopen()`, and `resendKept()` once the connection is usable again.
   */
  ondisconnect?: (info: TransportCloseInfo) => void;

  readonly name: string;
  private readonly transport: Transport;
  private readonly validator: MessageValidator | undefined;
  private readonly requestTimeoutMs: number | null;
  private currentState: RpcPeerState = "new";
  private closeInfo: TransportCloseInfo | undefined;
  private closeEmitted = false;

  private readonly pending: PendingRequests;
  private readonly handlers = new Map<string, RequestHandler>();
  private fallbackHandler: RequestHandler | undefined;
  /** Replaced, never mutated, so a delivery loop is unaffected by (un)subscribing inside a listener. */
  private listeners: readonly NotificationListener[] = [];
  private readonly inFlight = new Set<AbortController>();
  private sendChain: Promise<void> = Promise.resolve();
  private readonly resendOnReconnect: ((method: string) => boolean) | undefined;
  /** Requests that would be sent again after a reconnection, while they wait for an answer. */
  private readonly resendable = new Map<number, JsonRpcRequest>();
  /** True from a dropped connection until a `reopen()` opened the next. */
  private connectionDown = false;
  /** Requests kept across a dropped connection, sent again by `resendKept()`. */
  private kept: JsonRpcRequest[] = [];
  /** Counts connections: an answer computed for an earlier one is not sent on the next. */
  private epoch = 0;
  /**
   * Messages received while a guard the first of them needs was loading, in arrival order; every
   * message waits here until those before it are handled. Undefined when none wait.
   */
  private held: JsonRpcMessage[] | undefined;

  constructor(options: RpcPeerOptions) {
    this.transport = options.transport;
    this.validator = options.validator;
    this.requestTimeoutMs =
      options.requestTimeoutMs === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : options.requestTimeoutMs;
    this.name = options.name ?? options.transport.label ?? "rpc-peer";
    this.pending = new PendingRequests(options.firstRequestId ?? 1);
    this.resendOnReconnect = options.resendOnReconnect;
  }

  get state(): RpcPeerState {
    return this.currentState;
  }

  /** Installs the transport's callbacks, then starts it. */
  async start(): Promise<void> {
    this.assertOpen("start");
    if (this.currentState === "started") {
      throw new CodexTransportError(`${this.name}: already started`, { code: "already_started" });
    }
    this.currentState = "started";
    const transport = this.transport;
    transport.onmessage = (message) => this.handleMessage(message);
    transport.onerror = (error) => this.report(error);
    transport.onclose = (info) => this.handleTransportClose(info);
    if (this.ondisconnect !== undefined && transport.reopen !== undefined) {
      transport.ondisconnect = (info) => this.handleDisconnect(info);
    }
    try {
      await transport.start();
    } catch (error) {
      const failure = toTransportError(error, `${this.name}: the transport failed to start`);
      this.handleTransportClose({ reason: "the transport failed to start", error: failure });
      throw failure;
    }
  }

  /** Sends a request; the result's type follows from the method. */
  request<M extends keyof OutReq & string>(
    method: M,
    ...args: RequestArgs<OutReq[M]["params"]>
  ): Promise<OutReq[M]["result"]> {
    return this.requestUntyped(method, args[0], args[1]) as Promise<OutReq[M]["result"]>;
  }

  /** A request by any method name, with unchecked params and an `unknown` result. */
  requestUntyped(method: string, params: unknown, options?: RequestOptions): Promise<unknown> {
    try {
      this.assertStarted(`send request ${method}`);
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options?.signal;
    if (signal?.aborted) {
      return Promise.reject(
        new CodexAbortError(`request ${method} was aborted before it was sent`, {
          method,
          cause: signal.reason,
        }),
      );
    }
    const timeoutMs = options?.timeoutMs === undefined ? this.requestTimeoutMs : options.timeoutMs;
    const { id, promise } = this.pending.add(method, timeoutMs, signal);
    const message: JsonRpcRequest =
      params === undefined ? { id, method } : { id, method, params: params as JsonRpcRequest["params"] };
    if (this.resendOnReconnect?.(method)) {
      this.resendable.set(id, message);
      const forget = () => this.resendable.delete(id);
      promise.then(forget, forget);
    }
    this.enqueueSend(() => (this.pending.has(id) ? this.transport.send(message) : undefined)).catch(
      (error: unknown) => this.sendFailed(id, method, error),
    );
    return promise;
  }

  /** Sends a notification; resolves once the transport has written it. */
  notify<M extends keyof OutNotif & string>(method: M, ...args: NotifyArgs<OutNotif[M]>): Promise<void> {
    return this.notifyUntyped(method, args[0]);
  }

  notifyUntyped(method: string, params?: unknown): Promise<void> {
    try {
      this.assertStarted(`send notification ${method}`);
    } catch (error) {
      return Promise.reject(error);
    }
    const message: JsonRpcNotification =
      params === undefined ? { method } : { method, params: params as JsonRpcNotification["params"] };
    return this.enqueueSend(() => this.transport.send(message)).catch((error: unknown) => {
      throw toTransportError(error, `${this.name}: could not send notification ${method}`);
    });
  }

  /**
   * Receives every incoming notification, known or unknown method, in arrival order; or, given a
   * method, the params of that method's notifications only. Returns an unsubscribe.
   */
  onNotification(listener: NotificationListener): () => void;
  onNotification<M extends keyof InNotif & string>(
    method: M,
    listener: (params: InNotif[M], message: JsonRpcNotification) => void,
  ): () => void;
  onNotification(
    methodOrListener: string | NotificationListener,
    methodListener?: (params: never, message: JsonRpcNotification) => void,
  ): () => void {
    this.assertOpen("add a notification listener");
    let listener: NotificationListener;
    if (typeof methodOrListener === "function") {
      listener = methodOrListener;
    } else {
      const method = methodOrListener;
      if (typeof methodListener !== "function")
        throw new TypeError(`onNotification(${method}): listener is missing`);
      const forMethod = methodListener as (params: unknown, message: JsonRpcNotification) => void;
      listener = (message) => {
        if (message.method === method) forMethod(message.params, message);
      };
    }
    this.listeners = [...this.listeners, listener];
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners = this.listeners.toSpliced(index, 1);
    };
  }

  /**
   * Answers incoming requests for `method`. The handler's value is the result; a thrown
   * `CodexRpcError` is answered with its code and data, anything else thrown with -32603.
   * Replaces an earlier handler for the method. Returns a function that removes this handler.
   */
  setRequestHandler<M extends keyof InReq & string>(
    method: M,
    handler: RequestHandler<InReq[M]["params"], InReq[M]["result"]>,
  ): () => void {
    this.assertOpen(`set a handler for ${method}`);
    const stored = handler as RequestHandler;
    this.handlers.set(method, stored);
    return () => {
      if (this.handlers.get(method) === stored) this.handlers.delete(method);
    };
  }

  /** Answers incoming requests that have no handler of their own (`context.method` tells which). */
  setFallbackRequestHandler(handler: RequestHandler | undefined): void {
    this.assertOpen("set the fallback request handler");
    this.fallbackHandler = handler;
  }

  /**
   * Closes the connection: pending requests reject with `ConnectionClosedError` at once, running
   * handlers' signals abort, then the transport is closed. Calling it again does nothing.
   */
  async close(): Promise<void> {
    if (this.currentState === "closed") return;
    const ownReason: TransportCloseInfo = { reason: `closed by ${this.name}` };
    this.shutDown(ownReason);
    try {
      await this.transport.close();
    } catch (error) {
      this.report(toTransportError(error, `${this.name}: the transport failed to close`));
    }
    this.emitClose(this.closeInfo ?? ownReason);
  }

  /**
   * A request could not be written. On a connection that is dropping while the peer reconnects (the
   * socket reset before its close was reported), a read stays pending to be sent again, anything else
   * fails with `CodexConnectionLostError`.
   */
  private sendFailed(id: number, method: string, error: unknown): void {
    const dropping =
      this.ondisconnect !== undefined &&
      this.transport.reopen !== undefined &&
      (error instanceof ConnectionClosedError || error instanceof CodexConnectionLostError);
    const resend = dropping ? this.resendable.get(id) : undefined;
    if (resend !== undefined) {
      if (!this.kept.includes(resend)) this.kept.push(resend);
      return;
    }
    const request = this.pending.take(id);
    if (request === undefined) return;
    if (!dropping) {
      request.reject(toTransportError(error, `${this.name}: could not send request ${method}`));
      return;
    }
    const reason = (error as { reason?: string }).reason ?? (error as Error).message;
    request.reject(
      new CodexConnectionLostError(
        `${this.name}: request ${method} failed: the connection dropped (${reason})`,
        {
          reason,
          method,
          cause: error,
        },
      ),
    );
  }

  /**
   * Connects the transport again after `ondisconnect`; rejects when it could not. On a connection still
   * up, drops it first (the transport's `disconnect()`), settling what waited on it.
   */
  async reopen(signal?: AbortSignal): Promise<void> {
    this.assertStarted("reopen");
    const transport = this.transport;
    if (transport.reopen === undefined) {
      throw new CodexTransportError(`${this.name}: the transport cannot reconnect`, {
        code: "not_reconnectable",
      });
    }
    if (!this.connectionDown) {
      // The connection is up (a later step of the last attempt failed on it): drop it first, and what
      // waits on it settles as on any drop.
      if (transport.disconnect === undefined) {
        throw new CodexTransportError(`${this.name}: the connection is up and the transport cannot drop it`, {
          code: "invalid_state",
        });
      }
      transport.disconnect();
      this.settleDropped("dropped to connect again");
    }
    await transport.reopen(signal);
    this.connectionDown = false;
  }

  /** Sends the reads kept across the dropped connection again (after the handshake). */
  resendKept(): void {
    const kept = this.kept;
    this.kept = [];
    for (const message of kept) {
      const id = message.id as number;
      this.enqueueSend(() => (this.pending.has(id) ? this.transport.send(message) : undefined)).catch(
        (error: unknown) => {
          this.pending
            .take(id)
            ?.reject(toTransportError(error, `${this.name}: could not send request ${message.method}`));
        },
      );
    }
  }

  /** What waited on a connection that went: requests fail with `CodexConnectionLostError`, reads are kept. */
  private settleDropped(reason: string, cause?: Error): void {
    this.connectionDown = true;
    this.epoch++;
    this.kept = [...this.resendable].filter(([id]) => this.pending.has(id)).map(([, message]) => message);
    for (const request of this.pending.takeAllBut((id) => this.resendable.has(id))) {
      request.reject(
        new CodexConnectionLostError(
          `${this.name}: request ${request.method} failed: the connection dropped (${reason})`,
          { reason, method: request.method, ...(cause ? { cause } : {}) },
        ),
      );
    }
  }

  /** The connection dropped and will be reopened: what waited on it fails, reads wait to be sent again. */
  private handleDisconnect(info: TransportCloseInfo): void {
    if (this.currentState !== "started") return;
    this.settleDropped(info.reason, info.error);
    this.ondisconnect?.(info);
  }

  private handleMessage(raw: JsonRpcMessage): void {
    if (this.currentState !== "started") return;
    if (this.held !== undefined) {
      this.held.push(raw);
      return;
    }
    const classified = classifyMessage(raw);
    const loading = this.guardLoading(classified);
    if (loading === undefined) {
      this.dispatch(classified, raw);
      return;
    }
    this.held = [raw];
    loading.then(() => this.release());
  }

  /**
   * The loading of the guard `message` needs, if it has not loaded (the validator's `prepare`): the
   * message waits for it, and every later one behind it, so that messages are handled in order.
   */
  private guardLoading(message: ClassifiedMessage): Promise<void> | undefined {
    const validator = this.validator;
    if (validator?.prepare === undefined || validator.mode === "off") return undefined;
    switch (message.kind) {
      case "notification":
        return validator.prepare("notification", message.message.method);
      case "request":
        return validator.prepare("request", message.message.method);
      case "response": {
        const method = "error" in message.message ? undefined : this.pending.methodOf(message.message.id);
        return method === undefined ? undefined : validator.prepare("response", method);
      }
      default:
        return undefined;
    }
  }

  /** Handles the held messages in order, until one needs a guard that is still loading. */
  private release(): void {
    const held = this.held;
    if (held === undefined) return;
    let next = 0;
    while (next < held.length) {
      if (this.currentState !== "started" || this.held !== held) return;
      const raw = held[next]!;
      const classified = classifyMessage(raw);
      const loading = this.guardLoading(classified);
      if (loading !== undefined) {
        held.splice(0, next);
        loading.then(() => this.release());
        return;
      }
      next++;
      this.dispatch(classified, raw);
    }
    this.held = undefined;
  }

  private dispatch(classified: ClassifiedMessage, raw: JsonRpcMessage): void {
    switch (classified.kind) {
      case "notification":
        this.handleNotification(classified.message);
        return;
      case "response":
        this.handleResponse(classified.message);
        return;
      case "error":
        this.handleErrorResponse(classified.message);
        return;
      case "request":
        void this.handleRequest(classified.message);
        return;
      case "invalid":
        this.handleInvalidMessage(raw, classified.reason);
        return;
      default:
        assertNever(classified);
    }
  }

  private handleNotification(message: JsonRpcNotification): void {
    const validator = this.validator;
    if (validator !== undefined && validator.mode !== "off") {
      const checked = validator.notification(message.method, message.params);
      if (!checked.ok) {
        this.whenDetailed(checked, (error) => this.report(error));
        if (validator.mode === "strict") return;
      }
    }
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(message);
      } catch (error) {
        this.report(toError(error));
      }
    }
  }

  /**
   * Reported; a request we can still answer (a method and a usable id) is answered too, so the
   * other side is not left waiting: -32602 when only its params are wrong, else -32600.
   */
  private handleInvalidMessage(raw: unknown, reason: string): void {
    this.report(
      new CodexProtocolViolationError(
        "invalid_message",
        `${this.name}: received an invalid message: ${reason}`,
        { received: raw },
      ),
    );
    const request = raw as { id?: unknown; method?: unknown; params?: unknown } | null;
    // Responses (no method) are never answered.
    if (typeof request !== "object" || request === null || request.method === undefined) return;
    const id = request.id;
    if (typeof id !== "string" && !(typeof id === "number" && Number.isFinite(id))) return;
    const params = request.params;
    const badParams =
      typeof request.method === "string" &&
      params !== undefined &&
      params !== null &&
      typeof params !== "object";
    this.respondError(id, {
      code: badParams ? JsonRpcErrorCode.InvalidParams : JsonRpcErrorCode.InvalidRequest,
      message: badParams ? `Invalid params: ${reason}` : `Invalid request: ${reason}`,
    });
  }

  private handleResponse(message: JsonRpcSuccessResponse): void {
    if ("error" in message) {
      this.handleAmbiguousResponse(message);
      return;
    }
    const request = this.pending.take(message.id);
    if (request === undefined) {
      this.reportOrphanResponse(message);
      return;
    }
    const validator = this.validator;
    if (validator !== undefined && validator.mode !== "off") {
      const checked = validator.response(request.method, message.result);
      if (!checked.ok) {
        if (validator.mode === "strict") {
          this.whenDetailed(checked, (error) => request.reject(error));
          return;
        }
        this.whenDetailed(checked, (error) => this.report(error));
      }
    }
    request.resolve(message.result);
  }

  /**
   * JSON-RPC forbids a response with both `result` and `error`: neither can be trusted. The request
   * it answers rejects with the violation; with no such request, the violation is reported.
   */
  private handleAmbiguousResponse(message: JsonRpcSuccessResponse): void {
    const request = this.pending.take(message.id);
    const error = new CodexProtocolViolationError(
      "result_and_error",
      `${this.name}: received a response to ${request ? `request ${request.method}` : `id ${JSON.stringify(message.id)}`} with both result and error; JSON-RPC allows only one`,
      { received: message },
    );
    if (request === undefined) this.report(error);
    else request.reject(error);
  }

  private handleErrorResponse(message: JsonRpcErrorResponse): void {
    if (message.id === null) {
      this.report(CodexRpcError.fromResponse(message.error));
      return;
    }
    const request = this.pending.take(message.id);
    if (request === undefined) {
      this.reportOrphanResponse(message);
      return;
    }
    request.reject(CodexRpcError.fromResponse(message.error, request.method));
  }

  private reportOrphanResponse(message: JsonRpcResponse): void {
    const id = JSON.stringify(message.id);
    this.report(
      this.pending.wasIssued(message.id as RequestId)
        ? new CodexProtocolViolationError(
            "response_without_pending_request",
            `${this.name}: received a response to request ${id}, which is no longer pending (answered already, timed out or aborted)`,
            { received: message },
          )
        : new CodexProtocolViolationError(
            "unknown_response_id",
            `${this.name}: received a response with id ${id}, which matches no request sent`,
            { received: message },
          ),
    );
  }

  private async handleRequest(message: JsonRpcRequest): Promise<void> {
    const { id, method, params } = message;
    const validator = this.validator;
    if (validator !== undefined && validator.mode !== "off") {
      const checked = validator.request(method, params);
      if (!checked.ok) {
        const strict = validator.mode === "strict";
        this.whenDetailed(checked, (error) => {
          this.report(error);
          if (strict) {
            this.respondError(id, {
              code: JsonRpcErrorCode.InvalidParams,
              message: error.message,
              data: { issues: error.issues },
            });
          }
        });
        if (strict) return;
      }
    }
    const handler = this.handlers.get(method) ?? this.fallbackHandler;
    if (handler === undefined) {
      this.respondError(id, {
        code: JsonRpcErrorCode.MethodNotFound,
        message: `Method not found: ${method}`,
      });
      return;
    }
    const controller = new AbortController();
    this.inFlight.add(controller);
    const epoch = this.epoch;
    try {
      const result = await handler(params, { id, method, signal: controller.signal });
      // Asked on a connection that dropped since: that connection is gone, and the id means nothing on this one.
      if (epoch !== this.epoch) return;
      this.respond({ id, result: result === undefined ? null : result });
    } catch (error) {
      if (epoch !== this.epoch) return;
      if (error instanceof CodexRpcError) {
        this.respondError(id, error.toErrorObject());
      } else {
        if (!controller.signal.aborted) this.report(toError(error));
        this.respondError(id, {
          code: JsonRpcErrorCode.InternalError,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    } finally {
      this.inFlight.delete(controller);
    }
  }

  /**
   * Hands a validation failure on: at once, or, when it was found before zod had loaded, once its
   * `details` (zod's issues) are there.
   */
  private whenDetailed(
    failure: { error: CodexValidationError; details?: Promise<CodexValidationError> },
    use: (error: CodexValidationError) => void,
  ): void {
    if (failure.details === undefined) use(failure.error);
    else failure.details.then(use, () => use(failure.error));
  }

  private respondError(id: RequestId, error: JsonRpcErrorObject): void {
    this.respond({ id, error });
  }

  private respond(message: JsonRpcResponse): void {
    if (this.currentState !== "started") return;
    this.enqueueSend(() =>
      this.currentState === "started" ? this.transport.send(message) : undefined,
    ).catch((error: unknown) => {
      if (this.currentState === "started") {
        this.report(toTransportError(error, `${this.name}: could not send a response`));
      }
    });
  }

  /**
   * Writes go one at a time, in call order: each waits for the previous `send` to settle, so a
   * slow transport holds callers back instead of piling writes onto it.
   */
  private enqueueSend(write: () => Promise<void> | undefined): Promise<void> {
    const result = this.sendChain.then(write);
    this.sendChain = result.then(noop, noop);
    return result;
  }

  private handleTransportClose(info: TransportCloseInfo): void {
    this.closeInfo ??= info;
    this.shutDown(info);
    this.emitClose(info);
  }

  /** Ends every piece of work in progress. Idempotent. */
  private shutDown(info: TransportCloseInfo): void {
    if (this.currentState === "closed") return;
    this.currentState = "closed";
    this.held = undefined;
    this.kept = [];
    this.resendable.clear();
    for (const request of this.pending.takeAll()) {
      request.reject(
        ConnectionClosedError.fromCloseInfo(`${this.name}: request ${request.method} failed`, info),
      );
    }
    if (this.inFlight.size > 0) {
      const reason = ConnectionClosedError.fromCloseInfo(`${this.name}: request handler cancelled`, info);
      for (const controller of this.inFlight) controller.abort(reason);
      this.inFlight.clear();
    }
    this.listeners = [];
    this.handlers.clear();
    this.fallbackHandler = undefined;
  }

  private emitClose(info: TransportCloseInfo): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.onclose?.(info);
  }

  private report(error: Error): void {
    this.onerror?.(error);
  }

  private assertOpen(action: string): void {
    if (this.currentState === "closed") {
      throw ConnectionClosedError.fromCloseInfo(
        `${this.name}: cannot ${action}`,
        this.closeInfo ?? { reason: "the peer is closed" },
      );
    }
  }

  private assertStarted(action: string): void {
    this.assertOpen(action);
    if (this.currentState === "new") {
      throw new CodexTransportError(`${this.name}: cannot ${action}: call start() first`, {
        code: "not_started",
      });
    }
  }
}

function noop(): void {}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Errors of this SDK pass through; anything else a transport throws is wrapped. */
function toTransportError(error: unknown, message: string): Error {
  if (error instanceof CodexError) return error;
  return new CodexTransportError(message, { cause: error });
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}

import { getEventListeners } from "node:events";
import type {
  JsonRpcMessage,
  JsonRpcNotification,
  MessageValidator,
  ValidationMode,
  ValidationResult,
} from "@codex-app-server/protocol";
import { CodexValidationError, VALID_KNOWN, VALID_UNKNOWN } from "@codex-app-server/protocol";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  CodexAbortError,
  CodexProtocolViolationError,
  CodexTimeoutError,
  CodexTransportError,
  ConnectionClosedError,
} from "./errors/localErrors.js";
import {
  CodexInternalError,
  CodexInvalidParamsError,
  CodexMethodNotFoundError,
  CodexProtocolError,
  CodexRpcError,
  ServerBusyError,
} from "./errors/rpcErrors.js";
import { InMemoryTransport } from "./inMemoryTransport.js";
import { RpcPeer } from "./rpcPeer.js";
import type { Transport, TransportCloseInfo } from "./transport.js";

// Maps declared as interfaces on purpose: generated maps may be interfaces (no index signature).
interface ClientRequests {
  "thread/start": { params: { model: string }; result: { threadId: string } };
  "account/read": { params: undefined; result: { email: string | null } };
}
interface ServerRequests {
  "item/approve": { params: { command: string }; result: { decision: "accept" | "decline" } };
}
interface ServerNotifications {
  "turn/started": { turnId: string };
}
interface ClientNotifications {
  initialized: undefined;
}

type Client = RpcPeer<ClientRequests, ServerRequests, ClientNotifications, ServerNotifications>;
type Server = RpcPeer<ServerRequests, ClientRequests, ServerNotifications, ClientNotifications>;

/** Lets every queued microtask and the in-memory transport's deliveries run. */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function collectErrors(peer: RpcPeer): Error[] {
  const errors: Error[] = [];
  peer.onerror = (error) => errors.push(error);
  return errors;
}

async function startPair(
  options: { clientValidator?: MessageValidator; serverValidator?: MessageValidator } = {},
) {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client: Client = new RpcPeer({
    transport: clientTransport,
    name: "client",
    validator: options.clientValidator,
  });
  const server: Server = new RpcPeer({
    transport: serverTransport,
    name: "server",
    validator: options.serverValidator,
  });
  const clientErrors = collectErrors(client as RpcPeer);
  const serverErrors = collectErrors(server as RpcPeer);
  await server.start();
  await client.start();
  return { client, server, clientErrors, serverErrors, clientTransport, serverTransport };
}

/** A client peer over one end, the raw transport on the other to inject anything. */
async function startWithRawServer(
  options: { validator?: MessageValidator; requestTimeoutMs?: number | null } = {},
) {
  const [clientTransport, raw] = InMemoryTransport.createLinkedPair();
  const client: Client = new RpcPeer({
    transport: clientTransport,
    name: "client",
    validator: options.validator,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  const errors = collectErrors(client as RpcPeer);
  const received: JsonRpcMessage[] = [];
  raw.onmessage = (message) => received.push(message);
  await raw.start();
  await client.start();
  return { client, raw, received, errors };
}

/** A transport driven by the test: it records what is sent and fires its callbacks on demand. */
class FakeTransport implements Transport {
  onmessage?: (message: JsonRpcMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: TransportCloseInfo) => void;
  readonly label = "fake";
  readonly sent: JsonRpcMessage[] = [];
  /** When true each `send` stays pending until `releaseOne()`, like a pipe waiting for 'drain'. */
  gated = false;
  sendError: Error | undefined;
  closeCalls = 0;
  private readonly waiting: Array<() => void> = [];

  async start(): Promise<void> {}

  send(message: JsonRpcMessage): Promise<void> {
    if (this.sendError) return Promise.reject(this.sendError);
    this.sent.push(message);
    if (!this.gated) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  get sendsInFlight(): number {
    return this.waiting.length;
  }

  releaseOne(): void {
    this.waiting.shift()?.();
  }

  async close(): Promise<void> {
    this.closeCalls++;
    this.onclose?.({ reason: "closed by this end" });
  }

  deliver(message: unknown): void {
    this.onmessage?.(message as JsonRpcMessage);
  }
}

type Kind = "notification" | "request" | "response";

/** A validator that fails the methods listed per kind and records every call. */
function stubValidator(mode: ValidationMode, invalid: Partial<Record<Kind, string[]>>, known: string[] = []) {
  const calls: Array<[Kind, string]> = [];
  const check = (kind: Kind, method: string): ValidationResult => {
    calls.push([kind, method]);
    if (invalid[kind]?.includes(method)) {
      return {
        ok: false,
        error: new CodexValidationError(kind, method, [{ path: ["x"], message: "expected a number" }]),
      };
    }
    return known.includes(method) ? VALID_KNOWN : VALID_UNKNOWN;
  };
  const validator: MessageValidator = {
    mode,
    notification: (method) => check("notification", method),
    request: (method) => check("request", method),
    response: (method) => check("response", method),
  };
  return { validator, calls };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("RpcPeer requests", () => {
  it("correlates a request with its answer; the handler sees params, id and method", async () => {
    const { client, server } = await startPair();
    const seen: unknown[] = [];
    server.setRequestHandler("thread/start", (params, context) => {
      seen.push(params, context.id, context.method);
      return { threadId: `t-${params.model}` };
    });
    await expect(client.request("thread/start", { model: "m1" })).resolves.toEqual({ threadId: "t-m1" });
    expect(seen).toEqual([{ model: "m1" }, 1, "thread/start"]);
  });

  it("numbers requests from a counter and leaves out params that are undefined", async () => {
    const { client, raw, received } = await startWithRawServer();
    void client.request("thread/start", { model: "m" }).catch(() => {});
    void client.request("account/read").catch(() => {});
    await flush();
    expect(received).toEqual([
      { id: 1, method: "thread/start", params: { model: "m" } },
      { id: 2, method: "account/read" },
    ]);
    await raw.close();
  });

  it("answers with the resolved value of an async handler, and null for undefined", async () => {
    const { client, server } = await startPair();
    server.setFallbackRequestHandler(async (_params, context) =>
      context.method === "account/read" ? { email: "a@b" } : undefined,
    );
    await expect(client.request("account/read")).resolves.toEqual({ email: "a@b" });
    await expect(client.requestUntyped("other/method", {})).resolves.toBeNull();
  });

  it("prefers a method's handler over the fallback; removing it falls back", async () => {
    const { client, server } = await startPair();
    const remove = server.setRequestHandler("account/read", () => ({ email: "own" }));
    server.setFallbackRequestHandler(() => ({ email: "fallback" }));
    await expect(client.request("account/read")).resolves.toEqual({ email: "own" });
    remove();
    await expect(client.request("account/read")).resolves.toEqual({ email: "fallback" });
  });

  it("answers -32601 when no handler exists", async () => {
    const { client, server } = await startPair();
    const error = await client.request("thread/start", { model: "m" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexMethodNotFoundError);
    expect(error).toMatchObject({
      code: -32601,
      method: "thread/start",
      message: "Method not found: thread/start",
    });
    expect(server.state).toBe("started");
  });

  it("answers -32603 with the message of an error the handler throws, and reports it locally", async () => {
    const { client, server, serverErrors } = await startPair();
    const thrown = new Error("disk full");
    server.setRequestHandler("thread/start", () => {
      throw thrown;
    });
    const error = await client.request("thread/start", { model: "m" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexInternalError);
    expect(error).toMatchObject({ code: -32603, message: "disk full", method: "thread/start" });
    expect(serverErrors).toEqual([thrown]);
  });

  it("answers a thrown CodexRpcError with its own code and data", async () => {
    const { client, server, serverErrors } = await startPair();
    server.setRequestHandler("thread/start", async () => {
      throw new CodexInvalidParamsError("model unknown", { data: { field: "model" } });
    });
    const error = await client.request("thread/start", { model: "m" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexInvalidParamsError);
    expect(error).toMatchObject({ code: -32602, message: "model unknown", data: { field: "model" } });
    expect(serverErrors).toEqual([]);
  });

  it("maps error answers to their classes: -32001 to ServerBusyError, unknown codes to CodexProtocolError", async () => {
    const { client, raw } = await startWithRawServer();
    const busy = client.request("thread/start", { model: "m" }).catch((e: unknown) => e);
    const other = client.request("account/read").catch((e: unknown) => e);
    await flush();
    await raw.send({ id: 1, error: { code: -32001, message: "Server overloaded; retry later." } });
    await raw.send({ id: 2, error: { code: -32099, message: "custom", data: { why: 1 } } });
    const busyError = await busy;
    expect(busyError).toBeInstanceOf(ServerBusyError);
    expect(busyError).toMatchObject({ code: -32001, method: "thread/start", data: undefined });
    const otherError = await other;
    expect(otherError).toBeInstanceOf(CodexProtocolError);
    expect(otherError).toBeInstanceOf(CodexRpcError);
    expect(otherError).toMatchObject({
      code: -32099,
      message: "custom",
      data: { why: 1 },
      method: "account/read",
    });
  });

  it("rejects only the request whose send failed, and keeps serving", async () => {
    const transport = new FakeTransport();
    const peer = new RpcPeer({ transport });
    await peer.start();
    const cause = new Error("EPIPE");
    transport.sendError = cause;
    const failed = await peer.requestUntyped("a", {}).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(CodexTransportError);
    expect((failed as Error).cause).toBe(cause);
    await expect(peer.notifyUntyped("n")).rejects.toBeInstanceOf(CodexTransportError);

    transport.sendError = undefined;
    const ok = peer.requestUntyped("b", {});
    await flush();
    transport.deliver({ id: 2, result: "fine" });
    await expect(ok).resolves.toBe("fine");
  });

  it("passes a CodexError thrown by the transport's send through unchanged", async () => {
    const transport = new FakeTransport();
    const peer = new RpcPeer({ transport });
    await peer.start();
    const closed = new ConnectionClosedError("the other end is closed");
    transport.sendError = closed;
    await expect(peer.requestUntyped("a", {})).rejects.toBe(closed);
  });
});

describe("RpcPeer timeouts and aborts", () => {
  it("rejects with CodexTimeoutError after the default timeout and leaves no timer behind", async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const peer = new RpcPeer({ transport, requestTimeoutMs: 1000 });
    await peer.start();
    const result = peer.requestUntyped("slow/method", {}).catch((e: unknown) => e);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    transport.deliver({ id: 99, result: null }); // unrelated id: does not settle it
    await vi.advanceTimersByTimeAsync(1);
    const error = await result;
    expect(error).toBeInstanceOf(CodexTimeoutError);
    expect(error).toMatchObject({ code: "request_timeout", method: "slow/method", timeoutMs: 1000 });
    expect((error as Error).message).toContain("slow/method");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a per-request timeout overrides the default; null means none", async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const peer = new RpcPeer({ transport, requestTimeoutMs: 1000 });
    await peer.start();
    const short = peer.requestUntyped("a", {}, { timeoutMs: 10 }).catch((e: unknown) => e);
    const never = peer.requestUntyped("b", {}, { timeoutMs: null });
    await vi.advanceTimersByTimeAsync(10);
    expect(await short).toMatchObject({ timeoutMs: 10 });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    transport.deliver({ id: 2, result: "late but fine" });
    await expect(never).resolves.toBe("late but fine");
  });

  it("clears the timer and the abort listener when the answer arrives", async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const peer = new RpcPeer({ transport });
    await peer.start();
    const controller = new AbortController();
    const result = peer.requestUntyped("a", {}, { signal: controller.signal });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(1);
    transport.deliver({ id: 1, result: 42 });
    await expect(result).resolves.toBe(42);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("clears the abort listener when the request times out or fails", async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const peer = new RpcPeer({ transport, requestTimeoutMs: 50 });
    await peer.start();
    const controller = new AbortController();
    const timedOut = peer.requestUntyped("a", {}, { signal: controller.signal }).catch((e: unknown) => e);
    const failed = peer.requestUntyped("b", {}, { signal: controller.signal }).catch((e: unknown) => e);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(2);
    transport.deliver({ id: 2, error: { code: -32603, message: "boom" } });
    expect(await failed).toBeInstanceOf(CodexInternalError);
    await vi.advanceTimersByTimeAsync(50);
    expect(await timedOut).toBeInstanceOf(CodexTimeoutError);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects an already-aborted request without sending it", async () => {
    const { client, received } = await startWithRawServer();
    const reason = new Error("user cancelled");
    const error = await client
      .request("thread/start", { model: "m" }, { signal: AbortSignal.abort(reason) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexAbortError);
    expect(error).toMatchObject({ code: "aborted", method: "thread/start" });
    expect((error as Error).cause).toBe(reason);
    await flush();
    expect(received).toEqual([]);
  });

  it("rejects a pending request on abort, clears its timer and listener, and reports the late answer", async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const peer = new RpcPeer({ transport });
    const errors = collectErrors(peer);
    await peer.start();
    const controller = new AbortController();
    const result = peer.requestUntyped("a", {}, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort("stop");
    const error = await result;
    expect(error).toBeInstanceOf(CodexAbortError);
    expect((error as Error).cause).toBe("stop");
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);

    transport.deliver({ id: 1, result: "too late" });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(CodexProtocolViolationError);
    expect(errors[0]).toMatchObject({ code: "response_without_pending_request" });
  });

  it("does not send a request aborted while it waited in the send queue", async () => {
    const transport = new FakeTransport();
    transport.gated = true;
    const peer = new RpcPeer({ transport });
    await peer.start();
    const first = peer.notifyUntyped("first");
    const controller = new AbortController();
    const queued = peer.requestUntyped("queued", {}, { signal: controller.signal }).catch((e: unknown) => e);
    await flush();
    controller.abort();
    expect(await queued).toBeInstanceOf(CodexAbortError);
    transport.releaseOne();
    await first;
    await flush();
    expect(transport.sent.map((m) => (m as JsonRpcNotification).method)).toEqual(["first"]);
  });
});

describe("RpcPeer notifications", () => {
  it("delivers notifications in order, as the very object received", async () => {
    const { client, raw } = await startWithRawServer();
    const got: JsonRpcNotification[] = [];
    client.onNotification((message) => got.push(message));
    const sent = Array.from({ length: 50 }, (_, i) => ({
      method: "turn/started",
      params: { turnId: `t${i}` },
    }));
    for (const message of sent) void raw.send(message);
    await flush();
    expect(got.map((m) => (m.params as { turnId: string }).turnId)).toEqual(sent.map((m) => m.params.turnId));
    expect(got[7]).toBe(sent[7]);
  });

  it("sends typed notifications; a method listener gets only that method's params", async () => {
    const { client, server } = await startPair();
    const atServer: JsonRpcNotification[] = [];
    server.onNotification((message) => atServer.push(message));
    const turnIds: string[] = [];
    const unsubscribe = client.onNotification("turn/started", (params, message) => {
      turnIds.push(params.turnId);
      expect(message.method).toBe("turn/started");
    });
    await client.notify("initialized");
    await server.notify("turn/started", { turnId: "t1" });
    await server.notifyUntyped("other/thing", { turnId: "nope" });
    unsubscribe();
    await server.notify("turn/started", { turnId: "t2" });
    await flush();
    expect(atServer).toEqual([{ method: "initialized" }]);
    expect(turnIds).toEqual(["t1"]);
  });

  it("stops delivering after unsubscribe, and isolates a throwing listener", async () => {
    const { client, raw, errors } = await startWithRawServer();
    const first: string[] = [];
    const second: string[] = [];
    const failure = new Error("listener bug");
    const unsubscribe = client.onNotification((m) => first.push(m.method));
    client.onNotification(() => {
      throw failure;
    });
    client.onNotification((m) => second.push(m.method));
    await raw.send({ method: "a" });
    unsubscribe();
    unsubscribe();
    await raw.send({ method: "b" });
    await flush();
    expect(first).toEqual(["a"]);
    expect(second).toEqual(["a", "b"]);
    expect(errors).toEqual([failure, failure]);
  });

  it("a listener unsubscribing during delivery does not skip the next listener", async () => {
    const { client, raw } = await startWithRawServer();
    const calls: string[] = [];
    const unsubscribe = client.onNotification(() => {
      calls.push("first");
      unsubscribe();
    });
    client.onNotification(() => calls.push("second"));
    await raw.send({ method: "x" });
    await raw.send({ method: "y" });
    await flush();
    expect(calls).toEqual(["first", "second", "second"]);
  });
});

describe("RpcPeer validation", () => {
  it("strict: drops an invalid notification and reports it; unknown methods are delivered", async () => {
    const { validator } = stubValidator("strict", { notification: ["turn/started"] }, ["turn/started"]);
    const { client, raw, errors } = await startWithRawServer({ validator });
    const got: string[] = [];
    client.onNotification((m) => got.push(m.method));
    await raw.send({ method: "turn/started", params: { turnId: 1 } });
    await raw.send({ method: "brand/new", params: { anything: true } });
    await flush();
    expect(got).toEqual(["brand/new"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(CodexValidationError);
    expect(errors[0]).toMatchObject({ kind: "notification", method: "turn/started" });
  });

  it("lenient: delivers an invalid notification and reports it", async () => {
    const { validator } = stubValidator("lenient", { notification: ["turn/started"] });
    const { client, raw, errors } = await startWithRawServer({ validator });
    const got: string[] = [];
    client.onNotification((m) => got.push(m.method));
    await raw.send({ method: "turn/started", params: { turnId: 1 } });
    await flush();
    expect(got).toEqual(["turn/started"]);
    expect(errors[0]).toBeInstanceOf(CodexValidationError);
  });

  it("off: never calls the validator", async () => {
    const { validator, calls } = stubValidator("off", { notification: ["turn/started"], response: ["a"] });
    const { client, raw, errors } = await startWithRawServer({ validator });
    const got: string[] = [];
    client.onNotification((m) => got.push(m.method));
    const answer = client.requestUntyped("a", {});
    await raw.send({ method: "turn/started", params: { turnId: 1 } });
    await raw.send({ id: 1, result: "x" });
    await expect(answer).resolves.toBe("x");
    expect(got).toEqual(["turn/started"]);
    expect(calls).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("strict: a result that fails its schema rejects the request with the validation error", async () => {
    const { validator, calls } = stubValidator("strict", { response: ["thread/start"] });
    const { client, raw, errors } = await startWithRawServer({ validator });
    const answer = client.request("thread/start", { model: "m" }).catch((e: unknown) => e);
    await flush();
    await raw.send({ id: 1, result: { threadId: 5 } });
    const error = await answer;
    expect(error).toBeInstanceOf(CodexValidationError);
    expect(error).toMatchObject({ kind: "response", method: "thread/start" });
    expect(calls).toEqual([["response", "thread/start"]]);
    expect(errors).toEqual([]);
  });

  it("lenient: a result that fails its schema resolves and is reported", async () => {
    const { validator } = stubValidator("lenient", { response: ["thread/start"] });
    const { client, raw, errors } = await startWithRawServer({ validator });
    const answer = client.request("thread/start", { model: "m" });
    await flush();
    await raw.send({ id: 1, result: { threadId: 5 } });
    await expect(answer).resolves.toEqual({ threadId: 5 });
    expect(errors[0]).toBeInstanceOf(CodexValidationError);
  });

  it("strict: invalid request params are answered -32602 without calling the handler", async () => {
    const { validator } = stubValidator("strict", { request: ["thread/start"] });
    const { client, server, serverErrors } = await startPair({ serverValidator: validator });
    const handler = vi.fn(() => ({ threadId: "t" }));
    server.setRequestHandler("thread/start", handler);
    const error = await client.request("thread/start", { model: "m" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexInvalidParamsError);
    expect((error as CodexInvalidParamsError).message).toContain("invalid request thread/start");
    expect((error as CodexInvalidParamsError).data).toEqual({
      issues: [{ path: ["x"], message: "expected a number" }],
    });
    expect(handler).not.toHaveBeenCalled();
    expect(serverErrors[0]).toBeInstanceOf(CodexValidationError);
  });

  it("lenient: invalid request params still reach the handler", async () => {
    const { validator } = stubValidator("lenient", { request: ["thread/start"] });
    const { client, server, serverErrors } = await startPair({ serverValidator: validator });
    server.setRequestHandler("thread/start", () => ({ threadId: "t" }));
    await expect(client.request("thread/start", { model: "m" })).resolves.toEqual({ threadId: "t" });
    expect(serverErrors).toHaveLength(1);
  });
});

describe("RpcPeer bad input", () => {
  it("reports each bad message with what was wrong and keeps serving", async () => {
    const { client, raw, errors } = await startWithRawServer();
    const answered = client.requestUntyped("a", {});
    await flush();
    await raw.send({ foo: 1 } as unknown as JsonRpcMessage);
    await raw.send({ jsonrpc: "1.0", method: "x" } as unknown as JsonRpcMessage);
    await raw.send({ id: 999, result: {} });
    await raw.send({ id: "1", result: {} });
    await raw.send({ id: 1, result: "ok" });
    await raw.send({ id: 1, result: "again" });
    await expect(answered).resolves.toBe("ok");
    await flush();
    expect(errors.map((e) => [e.constructor.name, (e as CodexProtocolViolationError).code])).toEqual([
      ["CodexProtocolViolationError", "invalid_message"],
      ["CodexProtocolViolationError", "invalid_message"],
      ["CodexProtocolViolationError", "unknown_response_id"],
      ["CodexProtocolViolationError", "unknown_response_id"],
      ["CodexProtocolViolationError", "response_without_pending_request"],
    ]);
    expect(errors[0]?.message).toContain("neither method, result nor error");
    expect(errors[1]?.message).toContain("unsupported jsonrpc version");
    expect(errors[2]?.message).toContain("999");
    expect((errors[2] as CodexProtocolViolationError).received).toEqual({ id: 999, result: {} });

    const later = client.requestUntyped("b", {});
    await flush();
    await raw.send({ id: 2, result: "still serving" });
    await expect(later).resolves.toBe("still serving");
  });

  it("rejects a request whose response has both result and error, and reports such an orphan", async () => {
    const { client, raw, errors } = await startWithRawServer();
    const answered = client.requestUntyped("thread/start", {});
    await flush();
    const ambiguous = { id: 1, result: { threadId: "t" }, error: { code: -32603, message: "boom" } };
    await raw.send(ambiguous as unknown as JsonRpcMessage);
    const rejection = await answered.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(rejection).toBeInstanceOf(CodexProtocolViolationError);
    expect(rejection).toMatchObject({ code: "result_and_error", received: ambiguous });
    expect((rejection as Error).message).toContain("request thread/start with both result and error");
    expect(errors).toEqual([]);

    await raw.send({ id: 77, result: null, error: null } as unknown as JsonRpcMessage);
    await flush();
    expect(errors.map((e) => (e as CodexProtocolViolationError).code)).toEqual(["result_and_error"]);
  });

  it("answers a request whose params are not an object with -32602 (and one without a method name with -32600)", async () => {
    const { raw, received, errors } = await startWithRawServer();
    await raw.send({ id: 5, method: "item/approve", params: "rm -rf /" } as unknown as JsonRpcMessage);
    await raw.send({ id: "s", method: "item/approve", params: 42 } as unknown as JsonRpcMessage);
    await raw.send({ id: 6, method: 7 } as unknown as JsonRpcMessage);
    // Nothing to answer: a notification, and a request whose id cannot be echoed.
    await raw.send({ method: "turn/started", params: true } as unknown as JsonRpcMessage);
    await raw.send({ id: { nested: 1 }, method: "item/approve", params: {} } as unknown as JsonRpcMessage);
    await flush();
    expect(received).toEqual([
      {
        id: 5,
        error: { code: -32602, message: "Invalid params: params of item/approve must be an object or array" },
      },
      {
        id: "s",
        error: { code: -32602, message: "Invalid params: params of item/approve must be an object or array" },
      },
      { id: 6, error: { code: -32600, message: "Invalid request: method must be a string" } },
    ]);
    expect(errors.map((e) => (e as CodexProtocolViolationError).code)).toEqual([
      "invalid_message",
      "invalid_message",
      "invalid_message",
      "invalid_message",
      "invalid_message",
    ]);
  });

  it("reports an error answer with a null id as the wire error it carries", async () => {
    const { raw, errors } = await startWithRawServer();
    await raw.send({ id: null, error: { code: -32700, message: "Parse error" } });
    await flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(CodexRpcError);
    expect(errors[0]).toMatchObject({ code: -32700, message: "Parse error" });
  });

  it("forwards transport-level errors to onerror", async () => {
    const transport = new FakeTransport();
    const peer = new RpcPeer({ transport });
    const errors = collectErrors(peer);
    await peer.start();
    const notJson = new CodexTransportError("line 3 is not JSON", { code: "invalid_json" });
    transport.onerror?.(notJson);
    expect(errors).toEqual([notJson]);
  });
});

describe("RpcPeer close", () => {
  it("rejects every pending request the moment the transport closes, with the close info", async () => {
    const transport = new FakeTransport();
    const peer = new RpcPeer({ transport, requestTimeoutMs: null, name: "codex" });
    const closes: TransportCloseInfo[] = [];
    peer.onclose = (info) => closes.push(info);
    await peer.start();
    const first = peer.requestUntyped("thread/start", {}).catch((e: unknown) => e);
    const second = peer.requestUntyped("turn/start", {}).catch((e: unknown) => e);
    const info: TransportCloseInfo = {
      reason: "process exited with code 101",
      exitCode: 101,
      signal: null,
      stderrTail: "thread 'main' panicked",
    };
    transport.onclose?.(info);

    const error = await first;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).toMatchObject({
      code: "connection_closed",
      reason: "process exited with code 101",
      exitCode: 101,
      signal: null,
      stderrTail: "thread 'main' panicked",
    });
    const message = (error as Error).message;
    expect(message).toContain("request thread/start failed");
    expect(message).toContain("process exited with code 101");
    expect(message).toContain("thread 'main' panicked");
    expect(await second).toMatchObject({ reason: "process exited with code 101" });
    expect(closes).toEqual([info]);
    expect(peer.state).toBe("closed");
  });

  it("rejects pending requests when the other end closes the linked pair", async () => {
    const { client, raw } = await startWithRawServer({ requestTimeoutMs: null });
    const pending = client.request("thread/start", { model: "m" }).catch((e: unknown) => e);
    await flush();
    await raw.close();
    expect(await pending).toMatchObject({ reason: "closed by the other end" });
  });

  it("close() rejects pending work at once, closes the transport, and fires onclose once", async () => {
    const transport = new FakeTransport();
    const peer = new RpcPeer({ transport, requestTimeoutMs: null });
    const onclose = vi.fn();
    peer.onclose = onclose;
    await peer.start();
    const pending = peer.requestUntyped("a", {}).catch((e: unknown) => e);
    await peer.close();
    await peer.close();
    expect(await pending).toBeInstanceOf(ConnectionClosedError);
    expect(transport.closeCalls).toBe(1);
    expect(onclose).toHaveBeenCalledTimes(1);
    expect(onclose).toHaveBeenCalledWith({ reason: "closed by this end" });
  });

  it("refuses every public method once closed", async () => {
    const { client } = await startPair();
    await client.close();
    await expect(client.request("account/read")).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(client.notify("initialized")).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(client.start()).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(() => client.onNotification(() => {})).toThrow(ConnectionClosedError);
    expect(() => client.setRequestHandler("item/approve", () => ({ decision: "accept" }))).toThrow(
      ConnectionClosedError,
    );
    expect(() => client.setFallbackRequestHandler(undefined)).toThrow(ConnectionClosedError);
  });

  it("aborts a running handler's signal on close and never sends its answer", async () => {
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const server: Server = new RpcPeer({ transport: serverTransport });
    const serverErrors = collectErrors(server as RpcPeer);
    let release!: () => void;
    let signal!: AbortSignal;
    server.setRequestHandler("thread/start", (_params, context) => {
      signal = context.signal;
      return new Promise((resolve) => {
        release = () => resolve({ threadId: "t" });
      });
    });
    await server.start();
    clientTransport.onmessage = () => {};
    await clientTransport.start();
    await clientTransport.send({ id: 7, method: "thread/start", params: { model: "m" } });
    await flush();
    expect(signal.aborted).toBe(false);
    const sendSpy = vi.spyOn(serverTransport, "send");
    await server.close();
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(ConnectionClosedError);
    release();
    await flush();
    expect(sendSpy).not.toHaveBeenCalled();
    expect(serverErrors).toEqual([]);
  });

  it("reports a transport whose close() fails, and still fires onclose", async () => {
    const transport = new FakeTransport();
    const failure = new Error("kill failed");
    transport.close = () => Promise.reject(failure);
    const peer = new RpcPeer({ transport });
    const errors = collectErrors(peer);
    const onclose = vi.fn();
    peer.onclose = onclose;
    await peer.start();
    await peer.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(CodexTransportError);
    expect(errors[0]?.cause).toBe(failure);
    expect(onclose).toHaveBeenCalledTimes(1);
  });
});

describe("RpcPeer states", () => {
  it("goes new → started → closed and refuses requests before start", async () => {
    const transport = new FakeTransport();
    const peer = new RpcPeer({ transport });
    expect(peer.state).toBe("new");
    await expect(peer.requestUntyped("a", {})).rejects.toMatchObject({ code: "not_started" });
    await peer.start();
    expect(peer.state).toBe("started");
    await expect(peer.start()).rejects.toMatchObject({ code: "already_started" });
    await peer.close();
    expect(peer.state).toBe("closed");
    expect(transport.sent).toEqual([]);
  });

  it("closes when the transport fails to start", async () => {
    const transport = new FakeTransport();
    const cause = new Error("spawn ENOENT");
    transport.start = () => Promise.reject(cause);
    const peer = new RpcPeer({ transport });
    const onclose = vi.fn();
    peer.onclose = onclose;
    const error = await peer.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexTransportError);
    expect((error as Error).cause).toBe(cause);
    expect(peer.state).toBe("closed");
    expect(onclose).toHaveBeenCalledWith(
      expect.objectContaining({ reason: "the transport failed to start" }),
    );
  });
});

describe("RpcPeer send queue", () => {
  it("hands the transport one message at a time, in call order", async () => {
    const transport = new FakeTransport();
    transport.gated = true;
    const peer = new RpcPeer({ transport, requestTimeoutMs: null });
    await peer.start();
    const a = peer.notifyUntyped("a");
    const b = peer.requestUntyped("b", {});
    const c = peer.notifyUntyped("c");
    await flush();
    expect(transport.sent.map((m) => (m as JsonRpcNotification).method)).toEqual(["a"]);
    transport.releaseOne();
    await a;
    await flush();
    expect(transport.sent.map((m) => (m as JsonRpcNotification).method)).toEqual(["a", "b"]);
    transport.releaseOne();
    await flush();
    transport.releaseOne();
    await c;
    expect(transport.sent.map((m) => (m as JsonRpcNotification).method)).toEqual(["a", "b", "c"]);
    transport.deliver({ id: 1, result: "b done" });
    await expect(b).resolves.toBe("b done");
  });

  it("holds a producer back while the transport is slow: writes in flight never exceed one", async () => {
    const transport = new FakeTransport();
    transport.gated = true;
    const peer = new RpcPeer({ transport });
    await peer.start();
    const total = 500;
    let written = 0;
    const producer = (async () => {
      for (let i = 0; i < total; i++) {
        await peer.notifyUntyped("tick", { i });
        written++;
      }
    })();

    await flush();
    expect(transport.sent).toHaveLength(1);
    expect(written).toBe(0);
    let maxInFlight = 0;
    while (written < total) {
      maxInFlight = Math.max(maxInFlight, transport.sendsInFlight);
      expect(transport.sent.length - written).toBe(1);
      transport.releaseOne();
      await flush();
    }
    await producer;
    expect(maxInFlight).toBe(1);
    expect(transport.sent.map((m) => (m as { params: { i: number } }).params.i)).toEqual(
      Array.from({ length: total }, (_, i) => i),
    );
  });
});

describe("RpcPeer validation failures found before zod has loaded", () => {
  /** Fails every message of `kind`; the failure's issues come later, in `details`. */
  function deferredValidator(mode: ValidationMode, kind: Kind) {
    let resolveDetails!: (error: CodexValidationError) => void;
    const details = new Promise<CodexValidationError>((resolve) => {
      resolveDetails = resolve;
    });
    const check = (checked: Kind, method: string): ValidationResult =>
      checked === kind
        ? {
            ok: false,
            error: new CodexValidationError(kind, method, [{ path: [], message: "pending" }]),
            details,
          }
        : VALID_UNKNOWN;
    const validator: MessageValidator = {
      mode,
      notification: (method) => check("notification", method),
      request: (method) => check("request", method),
      response: (method) => check("response", method),
    };
    return { validator, resolveDetails };
  }
  const detailed = (kind: Kind, method: string) =>
    new CodexValidationError(kind, method, [{ path: ["turn", "status"], message: "Invalid option" }]);

  it("strict: the notification is dropped at once and the detailed error reported when it is there", async () => {
    const { validator, resolveDetails } = deferredValidator("strict", "notification");
    const { client, raw, errors } = await startWithRawServer({ validator });
    const got: string[] = [];
    client.onNotification((m) => got.push(m.method));
    await raw.send({ method: "turn/completed", params: {} });
    await flush();
    expect(got).toEqual([]);
    expect(errors).toEqual([]);
    const error = detailed("notification", "turn/completed");
    resolveDetails(error);
    await flush();
    expect(errors).toEqual([error]);
  });

  it("strict: the request rejects with the detailed error", async () => {
    const { validator, resolveDetails } = deferredValidator("strict", "response");
    const { client, raw } = await startWithRawServer({ validator });
    const answer = client.request("thread/start", { model: "m" }).catch((e: unknown) => e);
    await flush();
    await raw.send({ id: 1, result: { threadId: 5 } });
    const error = detailed("response", "thread/start");
    resolveDetails(error);
    expect(await answer).toBe(error);
  });

  it("strict: a server request is answered -32602 with the detailed issues", async () => {
    const { validator, resolveDetails } = deferredValidator("strict", "request");
    const { raw, received, errors } = await startWithRawServer({ validator });
    await raw.send({ id: 9, method: "item/tool/call", params: {} });
    await flush();
    expect(received).toEqual([]);
    const error = detailed("request", "item/tool/call");
    resolveDetails(error);
    await flush();
    expect(errors).toEqual([error]);
    expect(received).toEqual([
      { id: 9, error: { code: -32602, message: error.message, data: { issues: error.issues } } },
    ]);
  });
});

describe("RpcPeer messages whose guard is still loading", () => {
  /** Checks everything at once but the methods in `loading`, whose guards load when `load()` is called. */
  function loadingValidator(mode: ValidationMode, loading: string[]) {
    let load!: () => void;
    const loaded = new Promise<void>((resolve) => {
      load = () => {
        loading.length = 0;
        resolve();
      };
    });
    const prepared: Array<[Kind, string]> = [];
    const checked: string[] = [];
    const validator: MessageValidator = {
      mode,
      prepare: (kind, method) => {
        prepared.push([kind, method]);
        return loading.includes(method) ? loaded : undefined;
      },
      notification: (method) => {
        checked.push(`notification ${method}`);
        return loading.includes(method) ? expect.unreachable() : VALID_KNOWN;
      },
      request: () => VALID_KNOWN,
      response: (method) =>
        checked.push(`response ${method}`) && method === "thread/start"
          ? {
              ok: false,
              error: new CodexValidationError("response", method, [{ path: [], message: "bad" }]),
            }
          : VALID_KNOWN,
    };
    return { validator, load, prepared, checked };
  }

  it("holds the message, and every one after it, until the guard has loaded: nothing reordered", async () => {
    const { validator, load, checked } = loadingValidator("lenient", ["item/started", "turn/start"]);
    const { client, raw, errors } = await startWithRawServer({ validator });
    const events: string[] = [];
    client.onNotification((m) => events.push(m.method));
    const answer = client.requestUntyped("turn/start", { threadId: "t" }).then((result) => {
      events.push(`answer ${JSON.stringify(result)}`);
    });
    await flush();
    await raw.send({ method: "turn/started", params: {} });
    await raw.send({ id: 1, result: "ok" });
    await raw.send({ method: "item/started", params: {} });
    await raw.send({ method: "item/agentMessage/delta", params: {} });
    await flush();
    // turn/start's answer waits for its guard, and what came after it for the answer.
    expect(events).toEqual(["turn/started"]);
    load();
    await answer;
    await flush();
    // Handled in arrival order, back to back (as a transport delivers a batch read at once).
    expect(checked).toEqual([
      "notification turn/started",
      "response turn/start",
      "notification item/started",
      "notification item/agentMessage/delta",
    ]);
    expect(events).toEqual(["turn/started", "item/started", "item/agentMessage/delta", 'answer "ok"']);
    expect(errors).toEqual([]);
    // Loaded now: the next messages pass at once.
    await raw.send({ method: "item/started", params: {} });
    await flush();
    expect(events.at(-1)).toBe("item/started");
  });

  it("with the protocol's validator, fresh: the first messages wait for their guards, in order, and a bad one fails", async () => {
    vi.resetModules();
    try {
      const protocol = await import("@codex-app-server/protocol");
      const validator = protocol.createValidator({ mode: "strict", side: "client" });
      const { client, raw, errors } = await startWithRawServer({ validator });
      const got: unknown[] = [];
      client.onNotification((m) => got.push((m.params as { delta: unknown }).delta));
      for (const delta of ["a", "b", 3, "c"]) {
        await raw.send({
          method: "item/agentMessage/delta",
          params: { threadId: "thr", turnId: "turn", itemId: "msg", delta },
        });
      }
      expect(got).toEqual([]);
      await validator.prepare?.("notification", "item/agentMessage/delta");
      await protocol.loadSchemas();
      await flush();
      expect(got).toEqual(["a", "b", "c"]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(CodexValidationError);
      expect(errors[0]).toMatchObject({ method: "item/agentMessage/delta", issues: [{ path: ["delta"] }] });
    } finally {
      vi.resetModules();
    }
  });

  it("strict: a held answer that fails its schema still rejects its request", async () => {
    const { validator, load } = loadingValidator("strict", ["thread/start"]);
    const { client, raw } = await startWithRawServer({ validator });
    const answer = client.request("thread/start", { model: "m" }).catch((e: unknown) => e);
    await flush();
    await raw.send({ id: 1, result: { threadId: 5 } });
    await flush();
    load();
    expect(await answer).toBeInstanceOf(CodexValidationError);
  });

  it("off: prepares nothing; a peer that closes drops what it held", async () => {
    const off = loadingValidator("off", ["turn/started"]);
    const { client, raw } = await startWithRawServer({ validator: off.validator });
    const got: string[] = [];
    client.onNotification((m) => got.push(m.method));
    await raw.send({ method: "turn/started", params: {} });
    await flush();
    expect(got).toEqual(["turn/started"]);
    expect(off.prepared).toEqual([]);

    const strict = loadingValidator("strict", ["turn/started"]);
    const second = await startWithRawServer({ validator: strict.validator });
    const seen: string[] = [];
    second.client.onNotification((m) => seen.push(m.method));
    await second.raw.send({ method: "turn/started", params: {} });
    await flush();
    await second.client.close();
    strict.load();
    await flush();
    expect(seen).toEqual([]);
  });
});

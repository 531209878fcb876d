import * as transport from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import * as client from "../src/index.js";
import {
  CodexError,
  CodexTimeoutError,
  CodexTransportError,
  CodexTurnInactiveError,
  ConnectionClosedError,
  isRetryableError,
  retryOnOverload,
  ServerBusyError,
} from "../src/index.js";
import { connectToFake } from "./support.js";

describe("the error tree, from the client package", () => {
  it("a quiet turn is a timeout, with its own code and the continuation", () => {
    const continuation = { threadId: "thr", turnId: "trn", cursor: 2, mode: "once" } as const;
    const error = new CodexTurnInactiveError(continuation, 50);
    expect(error).toBeInstanceOf(CodexTimeoutError);
    expect(error).toBeInstanceOf(CodexError);
    expect(error).not.toBeInstanceOf(CodexTransportError);
    expect([error.code, error.timeoutMs, error.continuation, error.name]).toEqual([
      "turn_inactive",
      50,
      continuation,
      "CodexTurnInactiveError",
    ]);
  });

  it("is the tree the README draws", () => {
    const parents: Array<[string, string]> = [
      ["CodexTransportError", "CodexError"],
      ["ConnectionClosedError", "CodexTransportError"],
      ["CodexTurnLostError", "ConnectionClosedError"],
      ["CodexConnectionLostError", "CodexTransportError"],
      ["CodexSpawnError", "CodexTransportError"],
      ["CodexConnectionError", "CodexTransportError"],
      ["CodexAuthenticationError", "CodexTransportError"],
      ["CodexInsecureConnectionError", "CodexTransportError"],
      ["CodexKeepAliveTimeoutError", "CodexTransportError"],
      ["CodexMessageTooLargeError", "CodexTransportError"],
      ["CodexInvalidMessageError", "CodexTransportError"],
      ["CodexTimeoutError", "CodexError"],
      ["CodexTurnInactiveError", "CodexTimeoutError"],
      ["CodexAbortError", "CodexError"],
      ["CodexRpcError", "CodexError"],
      ["CodexParseError", "CodexRpcError"],
      ["CodexInvalidRequestError", "CodexRpcError"],
      ["CodexMethodNotFoundError", "CodexRpcError"],
      ["CodexInvalidParamsError", "CodexRpcError"],
      ["CodexInternalError", "CodexRpcError"],
      ["ServerBusyError", "CodexRpcError"],
      ["CodexProtocolError", "CodexRpcError"],
      ["CodexProtocolViolationError", "CodexError"],
      ["CodexTurnFailedError", "CodexError"],
      ["CodexInvalidStateError", "CodexError"],
      ["CodexUsageError", "CodexError"],
      ["CodexBufferOverflowError", "CodexError"],
      ["CodexEventsDroppedError", "CodexError"],
    ];
    const exported = client as unknown as Record<string, { prototype: object; name: string }>;
    for (const [name, parent] of parents) {
      const child = exported[name];
      expect(child, name).toBeTypeOf("function");
      expect(Object.getPrototypeOf(child).name, name).toBe(parent);
    }
    // Every error class the package exports is in the tree.
    const all = Object.keys(client).filter((key) => /^[A-Z]\w*Error$/.test(key) && key !== "CodexError");
    expect(all.sort()).toEqual(parents.map(([name]) => name).sort());
  });

  it("a closed connection is a transport error", async () => {
    await using t = connectToFake();
    await t.client.close();
    const error = await t.client.startThread().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).toBeInstanceOf(CodexTransportError);
  });

  it("re-exports every error class of the transport, and its retry helpers", () => {
    const errorClasses = Object.entries(transport).filter(
      ([name, value]) => typeof value === "function" && /Error$/.test(name),
    );
    expect(errorClasses.length).toBeGreaterThan(15);
    for (const [name, value] of errorClasses) {
      expect((client as Record<string, unknown>)[name], name).toBe(value);
    }
    expect(client.retryOnOverload).toBe(transport.retryOnOverload);
    expect(client.isRetryableError).toBe(transport.isRetryableError);
  });

  it("retryOnOverload from the client retries the server's overload answer", async () => {
    await using t = connectToFake();
    await t.client.initialize();
    t.server.overloadNext(2);
    const seen: unknown[] = [];
    const thread = await retryOnOverload(
      (attempt) =>
        t.client.startThread().catch((error: unknown) => {
          seen.push([attempt, isRetryableError(error), error instanceof ServerBusyError]);
          throw error;
        }),
      { initialDelayMs: 1, maxDelayMs: 1 },
    );
    expect(thread.id).toBeTruthy();
    expect(seen).toEqual([
      [1, true, true],
      [2, true, true],
    ]);
  });
});

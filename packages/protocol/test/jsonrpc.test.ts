import { describe, expect, it } from "vitest";
import { classifyMessage, JsonRpcErrorCode } from "../src/index.js";
import { loadRecording, RECORDINGS } from "./recorded.js";

describe("classifyMessage", () => {
  it.each([
    ["request", { id: 1, method: "thread/start", params: {} }],
    ["request", { jsonrpc: "2.0", id: "a", method: "thread/start" }],
    ["request", { id: 0, method: "item/commandExecution/requestApproval", params: { threadId: "t" } }],
    ["notification", { method: "initialized" }],
    ["notification", { jsonrpc: "2.0", method: "turn/started", params: { threadId: "t" } }],
    ["notification", { method: "x", params: null }],
    ["notification", { method: "x", params: [1, 2] }],
    ["response", { id: 1, result: {} }],
    ["response", { jsonrpc: "2.0", id: "req-1", result: null }],
    [
      "error",
      {
        id: 1,
        error: { code: JsonRpcErrorCode.ServerOverloaded, message: "Server overloaded; retry later." },
      },
    ],
    [
      "error",
      { jsonrpc: "2.0", id: null, error: { code: JsonRpcErrorCode.ParseError, message: "parse error" } },
    ],
  ] as const)("classifies a %s %j", (kind, message) => {
    const classified = classifyMessage(message);
    expect(classified.kind).toBe(kind);
    if (classified.kind !== "invalid") expect(classified.message).toBe(message);
  });

  it.each([
    [null, "must be a JSON object"],
    ["text", "must be a JSON object"],
    [42, "must be a JSON object"],
    [[{ method: "x" }], "must be a JSON object"],
    [{ jsonrpc: "1.0", method: "x" }, 'unsupported jsonrpc version "1.0"'],
    [{ method: 7 }, "method must be a string"],
    [{ method: "x", params: "p" }, "params of x must be an object or array"],
    [{ id: { nested: 1 }, method: "x" }, "request x has an invalid id"],
    [{ id: Number.NaN, method: "x" }, "request x has an invalid id"],
    [{ result: {} }, "response has no valid id"],
    [{ id: true, result: {} }, "response has no valid id"],
    [{ id: 1, error: { message: "no code" } }, "error response must carry {code: number, message: string}"],
    [{ id: 1, error: "boom" }, "error response must carry {code: number, message: string}"],
    [{ id: [1], error: { code: 1, message: "m" } }, "error response has an invalid id"],
    [{ id: 1 }, "message has neither method, result nor error"],
    [{}, "message has neither method, result nor error"],
  ])("rejects %j", (value, reason) => {
    const classified = classifyMessage(value);
    expect(classified).toEqual({ kind: "invalid", reason: expect.stringContaining(reason) });
  });

  it("classifies every recorded message from the real server, which omits jsonrpc", () => {
    for (const name of RECORDINGS) {
      for (const { direction, message } of loadRecording(name)) {
        const classified = classifyMessage(message);
        expect(classified.kind, `${name} ${direction} ${JSON.stringify(message).slice(0, 80)}`).not.toBe(
          "invalid",
        );
        if (direction === "in") expect(message).not.toHaveProperty("jsonrpc");
      }
    }
  });
});

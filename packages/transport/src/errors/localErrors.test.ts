import { CodexError } from "@codex-app-server/protocol";
import { describe, expect, it } from "vitest";
import {
  CodexAbortError,
  CodexProtocolViolationError,
  CodexTimeoutError,
  CodexTransportError,
  ConnectionClosedError,
} from "./localErrors.js";

describe("local errors", () => {
  it("carry string codes and extend CodexError", () => {
    const errors = [
      [new CodexTransportError("t"), "transport_error"],
      [new CodexTransportError("t", { code: "invalid_json" }), "invalid_json"],
      [new ConnectionClosedError("c"), "connection_closed"],
      [new CodexTimeoutError("t", { method: "m", timeoutMs: 5 }), "request_timeout"],
      [new CodexAbortError("a", { cause: "why" }), "aborted"],
      [new CodexProtocolViolationError("unknown_response_id", "v"), "unknown_response_id"],
    ] as const;
    for (const [error, code] of errors) {
      expect(error).toBeInstanceOf(CodexError);
      expect(error.code).toBe(code);
      expect(error.name).toBe(error.constructor.name);
    }
    expect(new CodexAbortError("a", { cause: "why" }).cause).toBe("why");
  });

  it("form a tree: a closed connection is a transport error, a timeout may carry its own code", () => {
    const closed = new ConnectionClosedError("c", { cause: "why", exitCode: 1 });
    expect(closed).toBeInstanceOf(CodexTransportError);
    expect([closed.code, closed.cause, closed.exitCode]).toEqual(["connection_closed", "why", 1]);
    expect(new CodexTransportError("t")).not.toBeInstanceOf(ConnectionClosedError);
    const timeout = new CodexTimeoutError("t", { timeoutMs: 5, code: "turn_inactive" });
    expect([timeout.code, timeout.timeoutMs]).toEqual(["turn_inactive", 5]);
    expect(new CodexTimeoutError("t", { timeoutMs: 5 })).not.toBeInstanceOf(CodexTransportError);
  });
});

describe("ConnectionClosedError.fromCloseInfo", () => {
  it("puts the reason, exit code, signal and stderr tail in the message and the fields", () => {
    const cause = new Error("EPIPE");
    const error = ConnectionClosedError.fromCloseInfo("request turn/start failed", {
      reason: "process exited",
      exitCode: 1,
      signal: "SIGKILL",
      stderrTail: "error: bad config",
      error: cause,
    });
    expect(error.message).toBe(
      "request turn/start failed: connection closed: process exited (exit code 1, signal SIGKILL)\n" +
        "last stderr lines of the server:\nerror: bad config",
    );
    expect(error).toMatchObject({
      reason: "process exited",
      exitCode: 1,
      signal: "SIGKILL",
      stderrTail: "error: bad config",
      closeCode: undefined,
    });
    expect(error.cause).toBe(cause);
  });

  it("says only what it knows", () => {
    const error = ConnectionClosedError.fromCloseInfo("x", {
      reason: "socket closed",
      closeCode: 1006,
      exitCode: null,
    });
    expect(error.message).toBe("x: connection closed: socket closed (close code 1006)");
    expect(error.cause).toBeUndefined();
  });
});

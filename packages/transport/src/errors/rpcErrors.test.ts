import { CodexError, JsonRpcErrorCode } from "@codex-app-server/protocol";
import { describe, expect, it, vi } from "vitest";
import {
  CodexInternalError,
  CodexInvalidParamsError,
  CodexInvalidRequestError,
  CodexMethodNotFoundError,
  CodexParseError,
  CodexProtocolError,
  CodexRpcError,
  ServerBusyError,
} from "./rpcErrors.js";

describe("CodexRpcError.fromResponse", () => {
  it.each([
    [JsonRpcErrorCode.ParseError, CodexParseError],
    [JsonRpcErrorCode.InvalidRequest, CodexInvalidRequestError],
    [JsonRpcErrorCode.MethodNotFound, CodexMethodNotFoundError],
    [JsonRpcErrorCode.InvalidParams, CodexInvalidParamsError],
    [JsonRpcErrorCode.InternalError, CodexInternalError],
    [JsonRpcErrorCode.ServerOverloaded, ServerBusyError],
  ] as const)("maps code %i to its class", (code, ErrorClass) => {
    const error = CodexRpcError.fromResponse({ code, message: "m", data: { d: 1 } }, "thread/start");
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(CodexRpcError);
    expect(error).toBeInstanceOf(CodexError);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(CodexProtocolError);
    expect(error.name).toBe(ErrorClass.name);
    expect(error).toMatchObject({ code, message: "m", data: { d: 1 }, method: "thread/start" });
  });

  it("keeps code and data of any other code in a CodexProtocolError", () => {
    const error = CodexRpcError.fromResponse({ code: 4242, message: "rate limited", data: ["x"] });
    expect(error).toBeInstanceOf(CodexProtocolError);
    expect(error).not.toBeInstanceOf(ServerBusyError);
    expect(error).toMatchObject({ code: 4242, message: "rate limited", data: ["x"], method: undefined });
  });

  it("the server's overload answer carries no data", () => {
    const error = CodexRpcError.fromResponse({ code: -32001, message: "Server overloaded; retry later." });
    expect(error).toBeInstanceOf(ServerBusyError);
    expect(error.data).toBeUndefined();
    expect(error.toErrorObject()).toEqual({ code: -32001, message: "Server overloaded; retry later." });
  });

  it("tells sibling classes apart", () => {
    expect(new CodexParseError("p")).not.toBeInstanceOf(CodexInternalError);
    expect(new CodexRpcError(-32603, "base")).not.toBeInstanceOf(CodexInternalError);
  });
});

describe("instanceof across duplicate copies of the package", () => {
  it("matches errors built by a second, separately loaded copy, both ways", async () => {
    const first = await import("./rpcErrors.js");
    const firstBase = await import("@codex-app-server/protocol");
    vi.resetModules();
    const second = await import("./rpcErrors.js");
    const secondBase = await import("@codex-app-server/protocol");
    // The copies really are distinct classes, down to the shared base.
    expect(second.ServerBusyError).not.toBe(first.ServerBusyError);
    expect(secondBase.CodexError).not.toBe(firstBase.CodexError);

    const fromSecond = second.CodexRpcError.fromResponse({ code: -32001, message: "busy" });
    const fromFirst = first.CodexRpcError.fromResponse({ code: -32001, message: "busy" });
    expect(fromSecond).toBeInstanceOf(first.ServerBusyError);
    expect(fromSecond).toBeInstanceOf(first.CodexRpcError);
    expect(fromSecond).toBeInstanceOf(firstBase.CodexError);
    expect(fromFirst).toBeInstanceOf(second.ServerBusyError);
    expect(fromFirst).toBeInstanceOf(second.CodexRpcError);
    expect(fromFirst).toBeInstanceOf(secondBase.CodexError);
    expect(fromSecond).not.toBeInstanceOf(first.CodexMethodNotFoundError);
    expect(fromFirst).not.toBeInstanceOf(second.CodexProtocolError);
  });
});

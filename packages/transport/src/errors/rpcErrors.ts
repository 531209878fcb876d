import type { CodexErrorOptions, JsonRpcErrorObject } from "@codex-app-server/protocol";
import { CodexError, JsonRpcErrorCode } from "@codex-app-server/protocol/errors";

export interface CodexRpcErrorOptions extends CodexErrorOptions {
  /** The error object's `data`, kept as sent. */
  data?: unknown;
  /** The method of the request this error answered, when known. */
  method?: string;
}

/**
 * An error answered over the wire. Received: the other side's answer to one of our requests
 * (build it with `CodexRpcError.fromResponse`). Thrown from a request handler: the peer answers with
 * its code, message and data.
 */
export class CodexRpcError extends CodexError {
  declare readonly code: number;
  readonly data: unknown;
  readonly method: string | undefined;

  constructor(code: number, message: string, options?: CodexRpcErrorOptions) {
    super(code, message, options);
    this.data = options?.data;
    this.method = options?.method;
  }

  /** The subclass for the error's code: `ServerBusyError` for -32001, `CodexProtocolError` for codes with no class. */
  static fromResponse(error: JsonRpcErrorObject, method?: string): CodexRpcError {
    const options: CodexRpcErrorOptions = { data: error.data, method };
    switch (error.code) {
      case JsonRpcErrorCode.ParseError:
        return new CodexParseError(error.message, options);
      case JsonRpcErrorCode.InvalidRequest:
        return new CodexInvalidRequestError(error.message, options);
      case JsonRpcErrorCode.MethodNotFound:
        return new CodexMethodNotFoundError(error.message, options);
      case JsonRpcErrorCode.InvalidParams:
        return new CodexInvalidParamsError(error.message, options);
      case JsonRpcErrorCode.InternalError:
        return new CodexInternalError(error.message, options);
      case JsonRpcErrorCode.ServerOverloaded:
        return new ServerBusyError(error.message, options);
      default:
        return new CodexProtocolError(error.code, error.message, options);
    }
  }

  /** The JSON-RPC error object this error is answered with. */
  toErrorObject(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}
Object.defineProperty(CodexRpcError, "name", { value: "CodexRpcError" }); // see codexError.ts

/** -32700: the other side could not parse what it received. */
export class CodexParseError extends CodexRpcError {
  constructor(message: string, options?: CodexRpcErrorOptions) {
    super(JsonRpcErrorCode.ParseError, message, options);
  }
}
Object.defineProperty(CodexParseError, "name", { value: "CodexParseError" }); // see codexError.ts

/** -32600: the message was not a valid request. */
export class CodexInvalidRequestError extends CodexRpcError {
  constructor(message: string, options?: CodexRpcErrorOptions) {
    super(JsonRpcErrorCode.InvalidRequest, message, options);
  }
}
Object.defineProperty(CodexInvalidRequestError, "name", { value: "CodexInvalidRequestError" }); // see codexError.ts

/** -32601: no such method. */
export class CodexMethodNotFoundError extends CodexRpcError {
  constructor(message: string, options?: CodexRpcErrorOptions) {
    super(JsonRpcErrorCode.MethodNotFound, message, options);
  }
}
Object.defineProperty(CodexMethodNotFoundError, "name", { value: "CodexMethodNotFoundError" }); // see codexError.ts

/** -32602: the params were refused. */
export class CodexInvalidParamsError extends CodexRpcError {
  constructor(message: string, options?: CodexRpcErrorOptions) {
    super(JsonRpcErrorCode.InvalidParams, message, options);
  }
}
Object.defineProperty(CodexInvalidParamsError, "name", { value: "CodexInvalidParamsError" }); // see codexError.ts

/** -32603: the handler failed. */
export class CodexInternalError extends CodexRpcError {
  constructor(message: string, options?: CodexRpcErrorOptions) {
    super(JsonRpcErrorCode.InternalError, message, options);
  }
}
Object.defineProperty(CodexInternalError, "name", { value: "CodexInternalError" }); // see codexError.ts

/** -32001: the app-server's request queue is full ("Server overloaded; retry later."). Safe to retry. */
export class ServerBusyError extends CodexRpcError {
  constructor(message: string, options?: CodexRpcErrorOptions) {
    super(JsonRpcErrorCode.ServerOverloaded, message, options);
  }
}
Object.defineProperty(ServerBusyError, "name", { value: "ServerBusyError" }); // see codexError.ts

/** Any other JSON-RPC error code; `code` and `data` are kept as sent. */
export class CodexProtocolError extends CodexRpcError {}
Object.defineProperty(CodexProtocolError, "name", { value: "CodexProtocolError" }); // see codexError.ts

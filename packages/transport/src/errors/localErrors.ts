import type { CodexErrorOptions } from "@codex-app-server/protocol";
import { CodexError } from "@codex-app-server/protocol/errors";
import type { TransportCloseInfo } from "../transport.js";

/** The transport failed: a process that would not start, a socket error, a frame too large. */
export class CodexTransportError extends CodexError {
  constructor(message: string, options?: CodexErrorOptions & { code?: string }) {
    super(options?.code ?? "transport_error", message, options);
  }
}
Object.defineProperty(CodexTransportError, "name", { value: "CodexTransportError" }); // see codexError.ts

/**
 * The connection is closed: the request could not be sent, or it was pending when the connection ended.
 * A transport error: `instanceof CodexTransportError` holds.
 */
export class ConnectionClosedError extends CodexTransportError {
  /** Why the connection closed ("process exited with code 1", "closed by this end"), when known. */
  readonly reason: string | undefined;
  readonly exitCode: number | null | undefined;
  readonly signal: string | null | undefined;
  /** WebSocket close code, when the connection was a WebSocket. */
  readonly closeCode: number | undefined;
  readonly stderrTail: string | undefined;

  constructor(
    message: string,
    details?: CodexErrorOptions & {
      reason?: string;
      exitCode?: number | null;
      signal?: string | null;
      closeCode?: number;
      stderrTail?: string;
      /** A subclass's own code; default `connection_closed`. */
      code?: string;
    },
  ) {
    super(message, { cause: details?.cause, code: details?.code ?? "connection_closed" });
    this.reason = details?.reason;
    this.exitCode = details?.exitCode;
    this.signal = details?.signal;
    this.closeCode = details?.closeCode;
    this.stderrTail = details?.stderrTail;
  }

  /**
   * The error for work cut short by a transport close: the message says what was cut short and
   * carries the reason, exit code or signal, and the server's last stderr lines.
   */
  static fromCloseInfo(what: string, info: TransportCloseInfo): ConnectionClosedError {
    return connectionClosedFromInfo(what, info);
  }
}
Object.defineProperty(ConnectionClosedError, "name", { value: "ConnectionClosedError" }); // see codexError.ts

// Outside the class body: a class that names itself inside its body gets renamed by bundlers
// (esbuild emits `class _ConnectionClosedError`), and the brand behind `instanceof` is the name.
function connectionClosedFromInfo(what: string, info: TransportCloseInfo): ConnectionClosedError {
  const details: string[] = [];
  if (info.exitCode !== undefined && info.exitCode !== null) details.push(`exit code ${info.exitCode}`);
  if (info.signal) details.push(`signal ${info.signal}`);
  if (info.closeCode !== undefined) details.push(`close code ${info.closeCode}`);
  const suffix = details.length > 0 ? ` (${details.join(", ")})` : "";
  const stderr = info.stderrTail ? `\nlast stderr lines of the server:\n${info.stderrTail}` : "";
  return new ConnectionClosedError(`${what}: connection closed: ${info.reason}${suffix}${stderr}`, {
    cause: info.error,
    reason: info.reason,
    exitCode: info.exitCode,
    signal: info.signal,
    closeCode: info.closeCode,
    stderrTail: info.stderrTail,
  });
}

/**
 * Something did not happen within its time: a request got no answer (`request_timeout`). The base of
 * the SDK's other timeouts too (a client's quiet turn, `turn_inactive`), which set their own `code`.
 */
export class CodexTimeoutError extends CodexError {
  readonly method: string | undefined;
  readonly timeoutMs: number;

  constructor(
    message: string,
    details: CodexErrorOptions & { method?: string; timeoutMs: number; code?: string },
  ) {
    super(details.code ?? "request_timeout", message, details);
    this.method = details.method;
    this.timeoutMs = details.timeoutMs;
  }
}
Object.defineProperty(CodexTimeoutError, "name", { value: "CodexTimeoutError" }); // see codexError.ts

/** The caller's `AbortSignal` aborted the operation. `cause` is the signal's reason. */
export class CodexAbortError extends CodexError {
  readonly method: string | undefined;

  constructor(message: string, details?: CodexErrorOptions & { method?: string }) {
    super("aborted", message, details);
    this.method = details?.method;
  }
}
Object.defineProperty(CodexAbortError, "name", { value: "CodexAbortError" }); // see codexError.ts

/** What was wrong with a message the other side sent. */
export type ProtocolViolationCode =
  /** Not a JSON-RPC message of any known shape. */
  | "invalid_message"
  /** A response whose id was never used by this side. */
  | "unknown_response_id"
  /** A response to a request that is no longer pending: answered twice, or after it timed out or was aborted. */
  | "response_without_pending_request"
  /** A response with both `result` and `error`, which JSON-RPC forbids. */
  | "result_and_error";

/**
 * The other side sent something this side cannot use. Reported through `onerror`, or, when it
 * answers a pending request (`result_and_error`), the reason that request rejects; the connection
 * keeps serving valid messages. `received` holds the offending message (never put in the text).
 */
export class CodexProtocolViolationError extends CodexError {
  declare readonly code: ProtocolViolationCode;
  readonly received: unknown;

  constructor(
    code: ProtocolViolationCode,
    message: string,
    details?: CodexErrorOptions & { received?: unknown },
  ) {
    super(code, message, details);
    this.received = details?.received;
  }
}
Object.defineProperty(CodexProtocolViolationError, "name", { value: "CodexProtocolViolationError" }); // see codexError.ts

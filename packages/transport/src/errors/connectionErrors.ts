import type { CodexErrorOptions } from "@codex-app-server/protocol";
import { CodexTransportError } from "./localErrors.js";

/**
 * Could not reach the server: connection refused, unknown host, handshake timeout, an HTTP answer
 * other than 101/401 at the upgrade, or no socket at the given path. Worth retrying.
 */
export class CodexConnectionError extends CodexTransportError {
  /** The system error code when there is one (`ECONNREFUSED`, `ENOTFOUND`, `ETIMEDOUT`, `ENOENT`). */
  readonly errno: string | undefined;
  /** The HTTP status of the upgrade answer, when the server answered with something other than 101. */
  readonly statusCode: number | undefined;

  constructor(message: string, options?: CodexErrorOptions & { errno?: string; statusCode?: number }) {
    super(message, { cause: options?.cause, code: "connection_failed" });
    this.errno = options?.errno;
    this.statusCode = options?.statusCode;
  }
}
Object.defineProperty(CodexConnectionError, "name", { value: "CodexConnectionError" }); // see codexError.ts

/** The server refused our credentials at the WebSocket upgrade (HTTP 401). Not worth retrying as is. */
export class CodexAuthenticationError extends CodexTransportError {
  readonly statusCode: number;

  constructor(message: string, options?: CodexErrorOptions & { statusCode?: number }) {
    super(message, { cause: options?.cause, code: "authentication_failed" });
    this.statusCode = options?.statusCode ?? 401;
  }
}
Object.defineProperty(CodexAuthenticationError, "name", { value: "CodexAuthenticationError" }); // see codexError.ts

/** A plain `ws://` URL to a host that is not loopback, refused unless `allowInsecure: true`. */
export class CodexInsecureConnectionError extends CodexTransportError {
  constructor(message: string) {
    super(message, { code: "insecure_connection" });
  }
}
Object.defineProperty(CodexInsecureConnectionError, "name", { value: "CodexInsecureConnectionError" }); // see codexError.ts

/** The server process could not be started (`ENOENT`: not found, `EACCES`: not executable). */
export class CodexSpawnError extends CodexTransportError {
  readonly command: string;
  readonly errno: string | undefined;

  constructor(message: string, options: CodexErrorOptions & { command: string; errno?: string }) {
    super(message, { cause: options.cause, code: "spawn_failed" });
    this.command = options.command;
    this.errno = options.errno;
  }
}
Object.defineProperty(CodexSpawnError, "name", { value: "CodexSpawnError" }); // see codexError.ts

/** One incoming message was larger than `maxMessageBytes`; it was discarded, the connection goes on. */
export class CodexMessageTooLargeError extends CodexTransportError {
  readonly limit: number;
  /** Bytes seen when the limit was crossed: at least `limit + 1`, not the full size. */
  readonly receivedBytes: number;

  constructor(limit: number, receivedBytes: number) {
    super(`incoming message exceeds maxMessageBytes (${limit} bytes); the rest of it is discarded`, {
      code: "message_too_large",
    });
    this.limit = limit;
    this.receivedBytes = receivedBytes;
  }
}
Object.defineProperty(CodexMessageTooLargeError, "name", { value: "CodexMessageTooLargeError" }); // see codexError.ts

/** Why an incoming message could not be used. */
export type InvalidMessageKind = "utf8" | "json" | "not_object" | "binary" | "truncated";

/** One incoming message could not be decoded; it was skipped, the connection goes on. */
export class CodexInvalidMessageError extends CodexTransportError {
  readonly kind: InvalidMessageKind;
  /** The start of the offending text (never the whole of a large message), when it was text. */
  readonly excerpt: string | undefined;

  constructor(kind: InvalidMessageKind, message: string, options?: CodexErrorOptions & { excerpt?: string }) {
    super(message, { cause: options?.cause, code: "invalid_message" });
    this.kind = kind;
    this.excerpt = options?.excerpt;
  }
}
Object.defineProperty(CodexInvalidMessageError, "name", { value: "CodexInvalidMessageError" }); // see codexError.ts

/**
 * The server stopped answering WebSocket pings: no pong within `timeoutMs`. The connection was
 * dropped; this is the close info's `error` and the `cause` of every pending request's rejection.
 */
export class CodexKeepAliveTimeoutError extends CodexTransportError {
  readonly timeoutMs: number;

  constructor(message: string, options: { timeoutMs: number }) {
    super(message, { code: "keepalive_timeout" });
    this.timeoutMs = options.timeoutMs;
  }
}
Object.defineProperty(CodexKeepAliveTimeoutError, "name", { value: "CodexKeepAliveTimeoutError" }); // see codexError.ts

/**
 * The connection dropped and the client is reconnecting (websocket, unix socket): a request that was
 * waiting for its answer, or one sent before the connection came back, fails with this. The server may
 * have carried it out; a read (`thread/read`, `model/list`...) is sent again instead. Worth retrying
 * once the client is `ready` again.
 */
export class CodexConnectionLostError extends CodexTransportError {
  /** Why the connection dropped ("socket closed (1006)"). */
  readonly reason: string;
  /** The request that failed, when it was one. */
  readonly method: string | undefined;

  constructor(message: string, options: CodexErrorOptions & { reason: string; method?: string }) {
    super(message, { cause: options.cause, code: "connection_lost" });
    this.reason = options.reason;
    this.method = options.method;
  }
}
Object.defineProperty(CodexConnectionLostError, "name", { value: "CodexConnectionLostError" }); // see codexError.ts

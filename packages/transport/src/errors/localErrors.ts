import { CodexError } from "@codex-app-server/protocol";
import type { CodexErrorOptions } from "@codex-app-server/protocol";

/** The transport failed: a process that would not start, a socket error, a frame too large. */
export class CodexTransportError extends CodexError {
  constructor(message: string, options?: CodexErrorOptions & { code?: string }) {
    super(options?.code ?? "transport_error", message, options);
  }
}

/** The connection is closed: the request could not be sent, or it was pending when the connection ended. */
export class ConnectionClosedError extends CodexError {
  readonly exitCode: number | null | undefined;
  readonly signal: string | null | undefined;
  readonly stderrTail: string | undefined;

  constructor(
    message: string,
    details?: CodexErrorOptions & { exitCode?: number | null; signal?: string | null; stderrTail?: string },
  ) {
    super("connection_closed", message, details);
    this.exitCode = details?.exitCode;
    this.signal = details?.signal;
    this.stderrTail = details?.stderrTail;
  }
}

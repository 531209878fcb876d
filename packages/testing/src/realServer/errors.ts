import type { CodexErrorOptions } from "@codex-app-server/protocol";
import { CodexError } from "@codex-app-server/protocol";

export type RealAppServerErrorCode =
  | "codex_binary_not_found"
  | "app_server_exited"
  | "app_server_start_timeout"
  | "invalid_config"
  | "invalid_options"
  | "unsupported_codex_version";

/** Starting or running the real `codex app-server` failed. `stderrTail` holds its last stderr lines. */
export class RealAppServerError extends CodexError {
  declare readonly code: RealAppServerErrorCode;
  readonly stderrTail: string | undefined;

  constructor(
    code: RealAppServerErrorCode,
    message: string,
    options?: CodexErrorOptions & { stderrTail?: string },
  ) {
    super(code, message, options);
    this.stderrTail = options?.stderrTail;
  }
}
Object.defineProperty(RealAppServerError, "name", { value: "RealAppServerError" }); // see codexError.ts

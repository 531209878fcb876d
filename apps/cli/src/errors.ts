import { CodexError } from "@codex-app-server/protocol";

/** Command-line options that are invalid or do not fit together. */
export class CliUsageError extends CodexError {
  constructor(message: string) {
    super("cli_usage", message);
  }
}

/** The app-server could not be started, reached or initialized. */
export class CliConnectionError extends CodexError {
  /** The server's last stderr lines, when it was started here. */
  readonly stderrTail: string | undefined;

  constructor(message: string, options: { cause: unknown; stderrTail?: string | undefined }) {
    super("connect_failed", message, { cause: options.cause });
    this.stderrTail = options.stderrTail;
  }
}

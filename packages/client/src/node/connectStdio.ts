import type { StdioTransportOptions } from "@codex-app-server/transport/stdio";
import { StdioTransport } from "@codex-app-server/transport/stdio";
import { CodexClient } from "../codexClient.js";
import type { ConnectOptions } from "../connectOptions.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, initializeWithin } from "../connectOptions.js";
import { CodexUsageError } from "../errors.js";
import type { CodexClientOptions } from "../options.js";

/** Options of `connectStdio`. */
export type StdioConnectOptions = CodexClientOptions &
  Omit<StdioTransportOptions, "command"> &
  ConnectOptions & {
    /**
     * The program, or the whole command line as an argv array, the Python SDKs' form:
     * `["codex", "app-server"]` is the program `codex` with the arguments `["app-server"]` (then
     * `args` may not be given as well). Default: `CODEX_APP_SERVER_CMD`, else the installed
     * `@openai/codex` binary, else `codex` on PATH.
     */
    command?: string | readonly string[];
  };

/**
 * Spawns `codex app-server` over stdio and initializes, within `connectTimeoutMs` (Node only: this
 * is `@codex-app-server/client/node`, the client root stays runtime-neutral). `command` is the
 * program, or the whole argv (`["codex", "app-server"]`). On a failed or timed-out connect the
 * spawned server is stopped before the error is thrown.
 */
export async function connectStdio(options: StdioConnectOptions = {}): Promise<CodexClient> {
  const client = new CodexClient(new StdioTransport(stdioTransportOptionsOf(options)), options);
  await initializeWithin(
    () => client.initialize(),
    () => client.close(),
    options.connectTimeoutMs === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : options.connectTimeoutMs,
  );
  return client;
}

/**
 * The stdio transport's options out of `connectStdio`'s: an argv `command` becomes `command` plus
 * `args`. Throws `CodexUsageError` (and nothing is spawned) for a `command` that is neither a
 * program nor an argv, or an argv given together with `args`.
 */
export function stdioTransportOptionsOf(options: StdioConnectOptions): StdioTransportOptions {
  const { command } = options;
  if (command === undefined || typeof command === "string") return options as StdioTransportOptions;
  if (!Array.isArray(command)) {
    throw new CodexUsageError(
      `command must be a program ("codex") or an argv array (["codex", "app-server"]), got ${typeof command}`,
    );
  }
  const [program, ...args] = command as readonly unknown[];
  if (typeof program !== "string" || program === "" || args.some((arg) => typeof arg !== "string")) {
    throw new CodexUsageError(
      'command as an array is an argv of strings, the program first: ["codex", "app-server"]',
    );
  }
  if (options.args !== undefined) {
    throw new CodexUsageError(
      "command is an argv array and args is given too: put the arguments in the array " +
        '(command: ["codex", "app-server"]), or pass command as a string with args',
    );
  }
  return { ...options, command: program, args: args as string[] };
}

import type { StdioTransportOptions } from "@codex-app-server/transport/stdio";
import { StdioTransport } from "@codex-app-server/transport/stdio";
import type { CodexClient } from "../codexClient.js";
import type { ConnectOptions } from "../connectOptions.js";
import { DEFAULT_CONNECT_TIMEOUT_MS } from "../connectOptions.js";
import type { CodexClientOptions } from "../options.js";
import { EarlyStartedTransport } from "./earlyStartedTransport.js";

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
 *
 * The server is spawned first; the client and its machines load while it boots, so a cold start
 * costs about the slower of the two, not their sum. That is why this module imports nothing of the
 * client but types and a constant until the spawn.
 */
export async function connectStdio(options: StdioConnectOptions = {}): Promise<CodexClient> {
  const startedAt = performance.now();
  const transportOptions = stdioTransportOptionsOf(options);
  if (typeof transportOptions === "string") {
    const { CodexUsageError } = await import("../errors.js");
    throw new CodexUsageError(transportOptions);
  }
  const transport = new EarlyStartedTransport(new StdioTransport(transportOptions));
  let client: CodexClient | undefined;
  let loaded: [typeof import("../codexClient.js"), typeof import("../initializeWithin.js")];
  try {
    loaded = await Promise.all([import("../codexClient.js"), import("../initializeWithin.js")]);
  } catch (error) {
    await transport.close();
    throw error;
  }
  const [{ CodexClient }, { initializeWithin }] = loaded;
  return initializeWithin(
    async () => {
      client = new CodexClient(transport, options);
      await client.initialize();
      return client;
    },
    () => (client === undefined ? transport.close() : client.close()),
    options.connectTimeoutMs === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : options.connectTimeoutMs,
    startedAt,
  );
}

/**
 * The stdio transport's options out of `connectStdio`'s: an argv `command` becomes `command` plus
 * `args`. For a `command` that is neither a program nor an argv, or an argv given together with
 * `args`, the problem, as the message of the `CodexUsageError` that `connectStdio` throws (and
 * nothing is spawned).
 */
export function stdioTransportOptionsOf(options: StdioConnectOptions): StdioTransportOptions | string {
  const { command } = options;
  if (command === undefined || typeof command === "string") return options as StdioTransportOptions;
  if (!Array.isArray(command)) {
    return `command must be a program ("codex") or an argv array (["codex", "app-server"]), got ${typeof command}`;
  }
  const [program, ...args] = command as readonly unknown[];
  if (typeof program !== "string" || program === "" || args.some((arg) => typeof arg !== "string")) {
    return 'command as an array is an argv of strings, the program first: ["codex", "app-server"]';
  }
  if (options.args !== undefined) {
    return (
      "command is an argv array and args is given too: put the arguments in the array " +
      '(command: ["codex", "app-server"]), or pass command as a string with args'
    );
  }
  return { ...options, command: program, args: args as string[] };
}

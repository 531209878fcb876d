import { CodexTimeoutError } from "@codex-app-server/transport";
import type { StdioTransportOptions } from "@codex-app-server/transport/stdio";
import type { WebSocketTransportOptions } from "@codex-app-server/transport/websocket";
import { CodexUsageError } from "./errors.js";
import type { CodexClientOptions } from "./options.js";

/** The seeds' `connect_timeout`: 30 s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** Options of `connectStdio` and `connectWebSocket` beyond the client's and the transport's. */
export interface ConnectOptions {
  /**
   * Bounds the whole connect: starting the transport (spawning the server, or the WebSocket
   * handshake) and the `initialize` handshake. Past it the transport is closed (a spawned server is
   * stopped) and the connect rejects with `CodexTimeoutError`. Default 30 s; `null`: no bound beyond
   * the handshake's own request timeout.
   */
  connectTimeoutMs?: number | null;
}

/** Options of `CodexClient.connectStdio`. */
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

/** Options of `CodexClient.connectWebSocket`. */
export type WebSocketConnectOptions = CodexClientOptions & WebSocketTransportOptions & ConnectOptions;

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

/**
 * Runs `initialize` within `timeoutMs` (`null`: no bound of its own). On a timeout, or any failure,
 * `close` runs (the transport closes, a spawned server is stopped) before the error is thrown; a
 * timeout throws `CodexTimeoutError`.
 */
export async function initializeWithin(
  initialize: () => Promise<unknown>,
  close: () => Promise<void>,
  timeoutMs: number | null,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const initialized = initialize();
    if (timeoutMs === null) {
      await initialized;
      return;
    }
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new CodexTimeoutError(
            `the app-server did not start and answer initialize within ${timeoutMs} ms (connectTimeoutMs)`,
            { method: "initialize", timeoutMs },
          ),
        );
      }, timeoutMs);
    });
    await Promise.race([initialized, timedOut]);
  } catch (error) {
    await close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

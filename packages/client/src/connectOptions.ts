import { CodexTimeoutError } from "@codex-app-server/transport";
import type { WebSocketTransportOptions } from "@codex-app-server/transport/websocket";
import type { CodexClientOptions } from "./options.js";

/** The seeds' `connect_timeout`: 30 s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** Options of `connectStdio` (`@codex-app-server/client/node`) and `CodexClient.connectWebSocket` beyond the client's and the transport's. */
export interface ConnectOptions {
  /**
   * Bounds the whole connect: starting the transport (spawning the server, or the WebSocket
   * handshake) and the `initialize` handshake. Past it the transport is closed (a spawned server is
   * stopped) and the connect rejects with `CodexTimeoutError`. Default 30 s; `null`: no bound beyond
   * the handshake's own request timeout.
   */
  connectTimeoutMs?: number | null;
}

/** Options of `CodexClient.connectWebSocket`. */
export type WebSocketConnectOptions = CodexClientOptions & WebSocketTransportOptions & ConnectOptions;

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

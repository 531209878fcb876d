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

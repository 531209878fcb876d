export type { KeepAliveOptions } from "./keepAlive.js";
export { DEFAULT_KEEPALIVE_INTERVAL_MS, DEFAULT_KEEPALIVE_TIMEOUT_MS } from "./keepAlive.js";
export type { WebSocketTransportOptions } from "./webSocketTransport.js";
export { DEFAULT_WEBSOCKET_URL, WebSocketTransport } from "./webSocketTransport.js";
export type { WebSocketConstructor, WebSocketLike } from "./whatwgConnector.js";

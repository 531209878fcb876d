export type { WebSocketTransportOptions } from "./webSocketTransport.js";
export { DEFAULT_WEBSOCKET_URL, WebSocketTransport } from "./webSocketTransport.js";
export type { WebSocketConstructor, WebSocketLike } from "./whatwgConnector.js";

export type { KeepAliveOptions } from "./keepAlive.js";
export { DEFAULT_KEEPALIVE_INTERVAL_MS, DEFAULT_KEEPALIVE_TIMEOUT_MS } from "./keepAlive.js";
export type { UnixSocketTransportOptions } from "./unixSocketTransport.js";
export { defaultControlSocketPath, UnixSocketTransport } from "./unixSocketTransport.js";

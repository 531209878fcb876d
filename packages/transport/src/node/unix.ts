export type { UnixSocketTransportOptions } from "./unixSocketTransport.js";
export { defaultControlSocketPath, UnixSocketTransport } from "./unixSocketTransport.js";

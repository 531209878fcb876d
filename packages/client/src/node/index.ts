// `@codex-app-server/client/node`: what needs Node (spawning `codex app-server`). The root stays runtime-neutral.
export type { StdioConnectOptions } from "./connectStdio.js";
export { connectStdio } from "./connectStdio.js";

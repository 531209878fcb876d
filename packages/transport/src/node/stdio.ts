export { splitCommandLine } from "./commandLine.js";
export type { CodexCommandOptions, CodexCommandSource, ResolvedCodexCommand } from "./resolveCodexCommand.js";
export { findCodexBinary, resolveCodexCommand } from "./resolveCodexCommand.js";
export type { StdioTransportOptions } from "./stdioTransport.js";
export { StdioTransport } from "./stdioTransport.js";

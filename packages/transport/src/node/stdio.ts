export { ESSENTIAL_ENV_KEYS } from "./childEnv.js";
export { splitCommandLine } from "./commandLine.js";
export { LineTail } from "./lineTail.js";
export type {
  CodexBinaryLookup,
  CodexBinaryLookupOptions,
  CodexCommandOptions,
  CodexCommandSource,
  ResolvedCodexCommand,
} from "./resolveCodexCommand.js";
export { findCodexBinary, lookupCodexBinary, resolveCodexCommand } from "./resolveCodexCommand.js";
export type { StdioTransportOptions } from "./stdioTransport.js";
export { StdioTransport } from "./stdioTransport.js";
export type { StopChildProcessOptions } from "./stopChildProcess.js";
export { stopChildProcess } from "./stopChildProcess.js";

export type { AppServerExit, AppServerLaunch, SpawnAppServerOptions } from "./appServerProcess.js";
export { AppServerProcess, liveAppServerPids, spawnAppServer } from "./appServerProcess.js";
export type { CodexRelease, CodexReleaseOptions } from "./codexRelease.js";
export {
  CODEX_BIN_ENV,
  CODEX_VERSION_ENV,
  codexVersionOf,
  installedCodexReleases,
  selectCodexRelease,
} from "./codexRelease.js";
export type { TomlTable, TomlValue } from "./configToml.js";
export type { RealAppServerErrorCode } from "./errors.js";
export { RealAppServerError } from "./errors.js";
export { OutputTail } from "./outputTail.js";
export type { ResolveCodexBinaryOptions } from "./resolveCodexBinary.js";
export { resolveCodexBinary } from "./resolveCodexBinary.js";
export type {
  ApprovalPolicy,
  RealAppServerTransport,
  SandboxMode,
  StartRealAppServerOptions,
  StdioLaunchOptions,
} from "./startRealAppServer.js";
export {
  SCRIPTED_MODEL_NAME,
  SCRIPTED_PROVIDER_ID,
  StdioRealAppServer,
  startRealAppServer,
  WebSocketRealAppServer,
} from "./startRealAppServer.js";

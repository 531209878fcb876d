export type { ScriptedModelErrorCode } from "./errors.js";
export { ScriptedModelError } from "./errors.js";
export { createGate, ReplyGate } from "./gate.js";
export type { FunctionCallItem, FunctionCallOutputItem, ResponsesRequestBody } from "./recordedRequest.js";
export { RecordedRequest } from "./recordedRequest.js";
export type {
  ChunkGate,
  Chunking,
  ExecCommandOptions,
  FailedReplyOptions,
  FunctionCallOptions,
  HangOptions,
  HttpErrorReply,
  HttpFailOptions,
  ReplyStep,
  ResponsesStreamEvent,
  SandboxPermissions,
  ScriptedOutput,
  ScriptedReply,
  ScriptedUsage,
  SlowOptions,
  StreamEnding,
  StreamReply,
  TextReplyOptions,
  UsageOption,
} from "./replies.js";
export { DEFAULT_USAGE, reply } from "./replies.js";
export type { StreamAction } from "./responsesEvents.js";
export { formatSseEvent, renderStream } from "./responsesEvents.js";
export type {
  FallbackReply,
  RequestMatch,
  ScriptedModelOptions,
  UnmatchedRequest,
  WaitForRequestsOptions,
} from "./scriptedModel.js";
export { matchesRequest, ScriptedModel } from "./scriptedModel.js";

export type {
  RequestId,
  Thread,
  ThreadItem,
  ThreadTokenUsage,
  Turn,
  TurnError,
  TurnStatus,
  UserInput,
} from "@codex-app-server/protocol";
export { CodexError } from "@codex-app-server/protocol";
// What a client user catches and retries with, from the transport: no second import needed.
export type {
  InvalidMessageKind,
  ProtocolViolationCode,
  RetryOnOverloadOptions,
  Transport,
  TransportCloseInfo,
} from "@codex-app-server/transport";
export {
  CodexAbortError,
  CodexAuthenticationError,
  CodexConnectionError,
  CodexConnectionLostError,
  CodexInsecureConnectionError,
  CodexInternalError,
  CodexInvalidMessageError,
  CodexInvalidParamsError,
  CodexInvalidRequestError,
  CodexKeepAliveTimeoutError,
  CodexMessageTooLargeError,
  CodexMethodNotFoundError,
  CodexParseError,
  CodexProtocolError,
  CodexProtocolViolationError,
  CodexRpcError,
  CodexSpawnError,
  CodexTimeoutError,
  CodexTransportError,
  ConnectionClosedError,
  isRetryableError,
  retryOnOverload,
  ServerBusyError,
} from "@codex-app-server/transport";
export { CodexClient } from "./codexClient.js";
export type { ConnectOptions, WebSocketConnectOptions } from "./connectOptions.js";
export { DEFAULT_CONNECT_TIMEOUT_MS } from "./connectOptions.js";
export type { ChatContinuation } from "./continuation.js";
export { isChatContinuation } from "./continuation.js";
export {
  CodexBufferOverflowError,
  CodexEventsDroppedError,
  CodexInvalidStateError,
  CodexServerVersionWarning,
  CodexTurnFailedError,
  CodexTurnInactiveError,
  CodexTurnLostError,
  CodexUsageError,
} from "./errors.js";
export type { Input, InputItem } from "./inputs.js";
export { input, normalizeInput } from "./inputs.js";
export type {
  ClientContext,
  ClientEvent,
  ClientMachine,
  ClientMachineInput,
} from "./machines/clientMachine.js";
export { clientMachine } from "./machines/clientMachine.js";
export type {
  RequestContext,
  RequestEvent,
  RequestMachine,
  RequestMachineInput,
  RequestStateName,
} from "./machines/requestMachine.js";
export { requestMachine } from "./machines/requestMachine.js";
export type {
  ThreadContext,
  ThreadEvent,
  ThreadMachine,
  ThreadMachineInput,
} from "./machines/threadMachine.js";
export { FINISHED_TURNS_KEPT, threadMachine } from "./machines/threadMachine.js";
export type {
  SteerActorInput,
  SteerRequest,
  SteerRequestFn,
  TurnContext,
  TurnEmitted,
  TurnEvent,
  TurnMachine,
  TurnMachineInput,
  TurnStateName,
} from "./machines/turnMachine.js";
export {
  INTERRUPT_MAX_ATTEMPTS,
  INTERRUPT_RETRY_MS,
  steerActor,
  turnMachine,
} from "./machines/turnMachine.js";
export type {
  ChatOptions,
  ClientInfoOption,
  CodexClientOptions,
  ThreadConfig,
  ThreadDefaults,
  ThreadForkConfig,
  ThreadResumeConfig,
  TurnOverrides,
} from "./options.js";
export type { ReconnectOptions } from "./reconnect.js";
export { backoffDelay, DEFAULT_RECONNECT, isResentRead } from "./reconnect.js";
export type { CancelResult, ChatResult, RunResult } from "./results.js";
export type {
  ApprovalStreamOptions,
  ObservedServerRequest,
  PendingServerRequest,
  ServerRequestOutcome,
} from "./serverRequestBroker.js";
export type {
  CommandExecutionRequest,
  FileChangeRequest,
  LegacyApplyPatchRequest,
  LegacyExecCommandRequest,
  McpElicitationRequest,
  PermissionsRequest,
  ServerRequest,
  ServerRequestHandler,
  ServerRequestKind,
  ServerRequestResponse,
  UserInputRequest,
} from "./serverRequests.js";
export { SERVER_REQUEST_KINDS } from "./serverRequests.js";
export type { ConversationStep, StepType } from "./steps.js";
export { toConversationStep } from "./steps.js";
export type { ThreadActorRef, ThreadHost } from "./threadHandle.js";
export { ThreadHandle } from "./threadHandle.js";
export type { ThreadSettingsSnapshot } from "./threadSettings.js";
export { ACTIVITY_RESOLUTION_MS } from "./turnActivity.js";
export type { InterruptTurnOptions } from "./turnControl.js";
export type { TurnActorRef, TurnReadOptions } from "./turnHandle.js";
export { TurnHandle } from "./turnHandle.js";
export type { ServerNotification, TurnKind, TurnResult } from "./turnTypes.js";

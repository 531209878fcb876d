export type { CodexErrorOptions } from "./codexError.js";
export { CodexError } from "./codexError.js";
export type { CodexVersion } from "./codexVersion.js";
export { compareCodexVersions, parseCodexVersion, parseUserAgentVersion } from "./codexVersion.js";
export type {
  ClientNotificationMap,
  ClientNotificationMethod,
  ClientRequestMap,
  ClientRequestMethod,
  ClientRequestParams,
  ClientRequestResult,
  RoutePaths,
  ServerNotificationMap,
  ServerNotificationMethod,
  ServerNotificationParams,
  ServerRequestMap,
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestResult,
} from "./generated/index.js";
export {
  CLIENT_NOTIFICATION_METHODS,
  CLIENT_REQUEST_METHODS,
  GENERATED_FROM_VERSION,
  SERVER_MESSAGE_ROUTES,
  SERVER_NOTIFICATION_METHODS,
  SERVER_REQUEST_METHODS,
} from "./generated/index.js";
// Generated from the pinned server (src/generated). The ~780 wire types are re-exported as types only;
// src/generated/index.ts lists every name explicitly.
export type * from "./generated/types.js";
export type {
  ClassifiedMessage,
  JsonRpcErrorObject,
  JsonRpcErrorResponse,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResponse,
  JsonRpcSuccessResponse,
  RequestId,
} from "./jsonrpc.js";
export { classifyMessage, JsonRpcErrorCode } from "./jsonrpc.js";
export type { MessageRoute, RouteIdReader, RouteReaders } from "./routeOf.js";
export { NO_ROUTE, routeOf, routeReadersOf } from "./routeOf.js";
export {
  codexVersionSupport,
  SUPPORTED_CODEX_RANGE,
  supportedCodexPeerRange,
} from "./supportedCodexRange.js";
export type {
  MessageKind,
  MessageValidator,
  ValidationIssue,
  ValidationMode,
  ValidationResult,
} from "./validation.js";
export { CodexValidationError, VALID_KNOWN, VALID_UNKNOWN } from "./validation.js";
export type { ValidatorOptions, ValidatorSide } from "./validator.js";
export { createValidator, loadGuards, loadSchemas } from "./validator.js";

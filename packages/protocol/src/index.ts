export { CodexError } from "./codexError.js";
export type { CodexErrorOptions } from "./codexError.js";
export { classifyMessage, JsonRpcErrorCode } from "./jsonrpc.js";
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
export { CodexValidationError, VALID_KNOWN, VALID_UNKNOWN } from "./validation.js";
export type { MessageValidator, ValidationIssue, ValidationMode, ValidationResult } from "./validation.js";

export type { InvalidMessageKind } from "./errors/connectionErrors.js";
export {
  CodexAuthenticationError,
  CodexConnectionError,
  CodexConnectionLostError,
  CodexInsecureConnectionError,
  CodexInvalidMessageError,
  CodexKeepAliveTimeoutError,
  CodexMessageTooLargeError,
  CodexSpawnError,
} from "./errors/connectionErrors.js";
export type { ProtocolViolationCode } from "./errors/localErrors.js";
export {
  CodexAbortError,
  CodexProtocolViolationError,
  CodexTimeoutError,
  CodexTransportError,
  ConnectionClosedError,
} from "./errors/localErrors.js";
export type { CodexRpcErrorOptions } from "./errors/rpcErrors.js";
export {
  CodexInternalError,
  CodexInvalidParamsError,
  CodexInvalidRequestError,
  CodexMethodNotFoundError,
  CodexParseError,
  CodexProtocolError,
  CodexRpcError,
  ServerBusyError,
} from "./errors/rpcErrors.js";
export { InMemoryTransport } from "./inMemoryTransport.js";
export type { JsonLineDecoderOptions } from "./jsonLineDecoder.js";
export { DEFAULT_MAX_MESSAGE_BYTES, JsonLineDecoder, parseJsonMessage } from "./jsonLineDecoder.js";
export type { ClientPeer, ServerPeer } from "./peers.js";
export type { RetryOnOverloadOptions } from "./retry.js";
export { isRetryableError, retryOnOverload } from "./retry.js";
export type {
  IncomingRequestContext,
  NotificationListener,
  NotificationMap,
  NotifyArgs,
  RequestArgs,
  RequestHandler,
  RequestMap,
  RequestMapShape,
  RequestOptions,
  RpcPeerOptions,
  RpcPeerState,
} from "./rpcPeer.js";
export { RpcPeer } from "./rpcPeer.js";
export type { Transport, TransportCloseInfo } from "./transport.js";

/**
 * `@codex-app-server/protocol/errors`: the SDK's error base class and the JSON-RPC error codes, with
 * nothing else of the protocol. The transports import these, so a stdio client can spawn its server
 * before the protocol's guards have loaded. `CodexError` is matched by brand, not prototype, so this
 * entry and the root agree on `instanceof`.
 */
export type { CodexErrorOptions } from "./codexError.js";
export { CodexError } from "./codexError.js";
export { JsonRpcErrorCode } from "./jsonrpc.js";

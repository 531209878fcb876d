/** JSON-RPC 2.0 envelopes as the Codex app-server speaks them: it omits `"jsonrpc": "2.0"`. */

export type RequestId = string | number;

export interface JsonRpcRequest<M extends string = string, P = unknown> {
  jsonrpc?: "2.0";
  id: RequestId;
  method: M;
  params?: P;
}

export interface JsonRpcNotification<M extends string = string, P = unknown> {
  jsonrpc?: "2.0";
  method: M;
  params?: P;
}

export interface JsonRpcSuccessResponse<R = unknown> {
  jsonrpc?: "2.0";
  id: RequestId;
  result: R;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcErrorResponse {
  jsonrpc?: "2.0";
  id: RequestId | null;
  error: JsonRpcErrorObject;
}

export type JsonRpcResponse<R = unknown> = JsonRpcSuccessResponse<R> | JsonRpcErrorResponse;

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/** What one incoming message is, decided from its keys alone: no union is tried member by member. */
export type ClassifiedMessage =
  | { kind: "request"; message: JsonRpcRequest }
  | { kind: "notification"; message: JsonRpcNotification }
  | { kind: "response"; message: JsonRpcSuccessResponse }
  | { kind: "error"; message: JsonRpcErrorResponse }
  | { kind: "invalid"; reason: string };

function isRequestId(value: unknown): value is RequestId {
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

/**
 * Classify a parsed JSON value as a JSON-RPC message. Accepts messages with or without
 * `"jsonrpc": "2.0"`, rejects any other `jsonrpc` value.
 */
export function classifyMessage(value: unknown): ClassifiedMessage {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { kind: "invalid", reason: "a JSON-RPC message must be a JSON object" };
  }
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== undefined && m.jsonrpc !== "2.0") {
    return { kind: "invalid", reason: `unsupported jsonrpc version ${JSON.stringify(m.jsonrpc)}` };
  }
  const method = m.method;
  if (method !== undefined) {
    if (typeof method !== "string") return { kind: "invalid", reason: "method must be a string" };
    if (m.params !== undefined && m.params !== null && typeof m.params !== "object") {
      return { kind: "invalid", reason: `params of ${method} must be an object or array` };
    }
    if (m.id === undefined) return { kind: "notification", message: m as unknown as JsonRpcNotification };
    if (!isRequestId(m.id)) return { kind: "invalid", reason: `request ${method} has an invalid id` };
    return { kind: "request", message: m as unknown as JsonRpcRequest };
  }
  if ("result" in m) {
    if (!isRequestId(m.id)) return { kind: "invalid", reason: "response has no valid id" };
    return { kind: "response", message: m as unknown as JsonRpcSuccessResponse };
  }
  if (m.error !== undefined) {
    const e = m.error as Record<string, unknown> | null;
    if (typeof e !== "object" || e === null || typeof e.code !== "number" || typeof e.message !== "string") {
      return { kind: "invalid", reason: "error response must carry {code: number, message: string}" };
    }
    if (m.id !== null && !isRequestId(m.id))
      return { kind: "invalid", reason: "error response has an invalid id" };
    return { kind: "error", message: m as unknown as JsonRpcErrorResponse };
  }
  return { kind: "invalid", reason: "message has neither method, result nor error" };
}

/** Standard JSON-RPC error codes, and the app-server's overload code. */
export const JsonRpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  ServerOverloaded: -32001,
} as const;

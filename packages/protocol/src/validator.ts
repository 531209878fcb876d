import type { z } from "zod";
import {
  CLIENT_NOTIFICATION_SCHEMAS,
  CLIENT_REQUEST_SCHEMAS,
  type RequestSchemas,
  SERVER_NOTIFICATION_SCHEMAS,
  SERVER_REQUEST_SCHEMAS,
} from "./generated/index.js";
import {
  CodexValidationError,
  type MessageValidator,
  VALID_KNOWN,
  VALID_UNKNOWN,
  type ValidationIssue,
  type ValidationMode,
  type ValidationResult,
} from "./validation.js";

/**
 * Which end of the connection the validator serves. A `client` checks what a client receives: server
 * notifications, the params of server requests, and the results of its own requests. A `server` (a fake
 * server in tests) checks the reverse: client notifications, client requests' params, and the results
 * clients send back for server requests.
 */
export type ValidatorSide = "client" | "server";

export interface ValidatorOptions {
  mode: ValidationMode;
  side: ValidatorSide;
}

type SchemaTable = ReadonlyMap<string, z.ZodType>;

/** A view of a request table that yields one part (params or result) of each entry. */
function part(table: ReadonlyMap<string, RequestSchemas>, key: keyof RequestSchemas): SchemaTable {
  const extracted = new Map<string, z.ZodType>();
  for (const [method, schemas] of table) extracted.set(method, schemas[key]);
  return extracted;
}

const CLIENT_REQUEST_PARAMS = part(CLIENT_REQUEST_SCHEMAS, "params");
const CLIENT_REQUEST_RESULTS = part(CLIENT_REQUEST_SCHEMAS, "result");
const SERVER_REQUEST_PARAMS = part(SERVER_REQUEST_SCHEMAS, "params");
const SERVER_REQUEST_RESULTS = part(SERVER_REQUEST_SCHEMAS, "result");

interface Tables {
  notification: SchemaTable;
  request: SchemaTable;
  response: SchemaTable;
}

const TABLES: Record<ValidatorSide, Tables> = {
  client: {
    notification: SERVER_NOTIFICATION_SCHEMAS,
    request: SERVER_REQUEST_PARAMS,
    response: CLIENT_REQUEST_RESULTS,
  },
  server: {
    notification: CLIENT_NOTIFICATION_SCHEMAS,
    request: CLIENT_REQUEST_PARAMS,
    response: SERVER_REQUEST_RESULTS,
  },
};

function toIssues(issues: readonly z.core.$ZodIssue[]): ValidationIssue[] {
  return issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === "symbol" ? String(key) : key)),
    message: issue.message,
  }));
}

function check(
  table: SchemaTable,
  kind: "request" | "notification" | "response",
  method: string,
  value: unknown,
): ValidationResult {
  const schema = table.get(method);
  if (schema === undefined) return VALID_UNKNOWN;
  const parsed = schema.safeParse(value);
  if (parsed.success) return VALID_KNOWN;
  return { ok: false, error: new CodexValidationError(kind, method, toIssues(parsed.error.issues)) };
}

function known(table: SchemaTable, method: string): ValidationResult {
  return table.has(method) ? VALID_KNOWN : VALID_UNKNOWN;
}

/**
 * A validator over the generated schemas: one map lookup by method, then one `safeParse`. Success
 * returns the shared `VALID_KNOWN` / `VALID_UNKNOWN` constants. Failures are returned the same way in
 * `strict` and `lenient` mode; the mode tells the caller whether to drop the message (strict) or deliver
 * it and report the error (lenient). In `off` mode no schema runs: only whether the method is known.
 * The validated value is never copied or changed, so callers deliver the object they parsed.
 */
export function createValidator(options: ValidatorOptions): MessageValidator {
  const { mode, side } = options;
  const tables = TABLES[side];
  if (mode === "off") {
    return {
      mode,
      notification: (method) => known(tables.notification, method),
      request: (method) => known(tables.request, method),
      response: (method) => known(tables.response, method),
    };
  }
  return {
    mode,
    notification: (method, params) => check(tables.notification, "notification", method, params),
    request: (method, params) => check(tables.request, "request", method, params),
    response: (method, result) => check(tables.response, "response", method, result),
  };
}

import type { z } from "zod";
import {
  CLIENT_REQUEST_RESULT_GUARDS,
  SERVER_NOTIFICATION_GUARDS,
  SERVER_REQUEST_PARAMS_GUARDS,
} from "./generated/guards.js";
import type { Guard } from "./guardSupport.js";
import { NO_ROUTE, routeOf } from "./routeOf.js";
import {
  CodexValidationError,
  type MessageValidator,
  VALID_KNOWN,
  VALID_UNKNOWN,
  type ValidationIssue,
  type ValidationMode,
  type ValidationResult,
} from "./validation.js";

type SchemasModule = typeof import("./schemas.js");
type ServerGuards = typeof import("./generated/serverGuards.js");

let schemasModule: SchemasModule | undefined;
let serverGuards: ServerGuards | undefined;
let loading: Promise<SchemasModule> | undefined;

function loadSchemasModule(): Promise<SchemasModule> {
  loading ??= Promise.all([import("./schemas.js"), import("./generated/serverGuards.js")]).then(
    ([schemas, guards]) => {
      schemasModule = schemas;
      serverGuards = guards;
      return schemas;
    },
  );
  return loading;
}

function loadedServerGuards(): ServerGuards {
  if (serverGuards === undefined) {
    throw new Error("a server-side validator checks nothing before `await loadSchemas()`");
  }
  return serverGuards;
}

/**
 * Loads zod, the schema tables (the `./schemas` entry) and the guards of what a server receives, once.
 * A client's validator does it itself when a first message fails its guard (valid traffic never loads
 * zod); call it to have zod's issues in the first failure's `error` already, rather than in its
 * `details`. A server-side validator (a fake server) needs it before its first check.
 */
export function loadSchemas(): Promise<void> {
  return loadSchemasModule().then(() => undefined);
}

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

function toIssues(issues: readonly z.core.$ZodIssue[]): ValidationIssue[] {
  return issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === "symbol" ? String(key) : key)),
    message: issue.message,
  }));
}

type MessageKind = CodexValidationError["kind"];

/** Where the zod schema of one method is, in the tables of the `./schemas` entry. */
type SchemaLookup = (tables: SchemasModule, method: string) => z.ZodType | undefined;

/** The one issue of a failure found before zod has loaded; its `details` carry zod's. */
const SCHEMAS_LOADING: readonly ValidationIssue[] = Object.freeze([
  Object.freeze({
    path: [],
    message: "the value does not match the schema (zod's issues follow in `details`)",
  }),
]);

/**
 * One kind of message on one side: the generated guard of each method, and where to find its zod
 * schema (built on first use) for the issues of a value the guard rejects.
 */
class CheckedTable {
  private readonly kind: MessageKind;
  private guards: ReadonlyMap<string, Guard> | undefined;
  private readonly loadGuards: () => ReadonlyMap<string, Guard>;
  private readonly schemaOf: SchemaLookup;

  constructor(kind: MessageKind, guards: () => ReadonlyMap<string, Guard>, schemaOf: SchemaLookup) {
    this.kind = kind;
    this.loadGuards = guards;
    this.schemaOf = schemaOf;
  }

  known(method: string): ValidationResult {
    this.guards ??= this.loadGuards();
    return this.guards.has(method) ? VALID_KNOWN : VALID_UNKNOWN;
  }

  check(method: string, value: unknown): ValidationResult {
    this.guards ??= this.loadGuards();
    const guard = this.guards.get(method);
    if (guard === undefined) return VALID_UNKNOWN;
    if (guard(value)) return VALID_KNOWN;
    // The guard said no: zod builds the issues (and has the last word, should the two ever disagree).
    const route = this.kind === "response" ? NO_ROUTE : routeOf(method, value);
    const tables = schemasModule;
    if (tables !== undefined) {
      const issues = this.issues(tables, method, value);
      if (issues === undefined) return VALID_KNOWN;
      return { ok: false, error: new CodexValidationError(this.kind, method, issues, { route }) };
    }
    const error = new CodexValidationError(this.kind, method, SCHEMAS_LOADING, { route });
    const details = loadSchemasModule().then((loaded) => {
      const issues = this.issues(loaded, method, value);
      return issues === undefined ? error : new CodexValidationError(this.kind, method, issues, { route });
    });
    return { ok: false, error, details };
  }

  /** zod's issues for a value its guard rejected; undefined if zod accepts it after all. */
  private issues(tables: SchemasModule, method: string, value: unknown): ValidationIssue[] | undefined {
    const parsed = (this.schemaOf(tables, method) as z.ZodType).safeParse(value);
    return parsed.success ? undefined : toIssues(parsed.error.issues);
  }
}

const TABLES: Record<ValidatorSide, Record<MessageKind, CheckedTable>> = {
  client: {
    notification: new CheckedTable(
      "notification",
      () => SERVER_NOTIFICATION_GUARDS,
      (tables, method) => tables.SERVER_NOTIFICATION_SCHEMAS.get(method),
    ),
    request: new CheckedTable(
      "request",
      () => SERVER_REQUEST_PARAMS_GUARDS,
      (tables, method) => tables.SERVER_REQUEST_SCHEMAS.get(method)?.params,
    ),
    response: new CheckedTable(
      "response",
      () => CLIENT_REQUEST_RESULT_GUARDS,
      (tables, method) => tables.CLIENT_REQUEST_SCHEMAS.get(method)?.result,
    ),
  },
  server: {
    notification: new CheckedTable(
      "notification",
      () => loadedServerGuards().CLIENT_NOTIFICATION_GUARDS,
      (tables, method) => tables.CLIENT_NOTIFICATION_SCHEMAS.get(method),
    ),
    request: new CheckedTable(
      "request",
      () => loadedServerGuards().CLIENT_REQUEST_PARAMS_GUARDS,
      (tables, method) => tables.CLIENT_REQUEST_SCHEMAS.get(method)?.params,
    ),
    response: new CheckedTable(
      "response",
      () => loadedServerGuards().SERVER_REQUEST_RESULT_GUARDS,
      (tables, method) => tables.SERVER_REQUEST_SCHEMAS.get(method)?.result,
    ),
  },
};

/**
 * A validator over the generated schemas: one map lookup by method, then the method's generated guard
 * (plain code, no copy, no allocation), and the zod schema's `safeParse` only when the guard says no (so
 * every failure, and its issues, comes from zod; the schema is built on that first use).
 * Success returns the shared `VALID_KNOWN` / `VALID_UNKNOWN` constants. Failures are returned the same way in
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
      notification: (method) => tables.notification.known(method),
      request: (method) => tables.request.known(method),
      response: (method) => tables.response.known(method),
    };
  }
  return {
    mode,
    notification: (method, params) => tables.notification.check(method, params),
    request: (method, params) => tables.request.check(method, params),
    response: (method, result) => tables.response.check(method, result),
  };
}

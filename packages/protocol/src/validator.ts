import type { z } from "zod";
import { CodexError } from "./codexError.js";
import { CLIENT_GUARD_MODULES } from "./generated/guardModules.js";
import type { Guard, GuardModule, LoadGuards } from "./guardSupport.js";
import { NO_ROUTE, routeOf } from "./routeOf.js";
import {
  CodexValidationError,
  type MessageKind,
  type MessageValidator,
  VALID_KNOWN,
  VALID_UNKNOWN,
  type ValidationIssue,
  type ValidationMode,
  type ValidationResult,
} from "./validation.js";

type SchemasModule = typeof import("./schemas.js");

/** Method → guard, by the kind of message: filled as the guard modules load. */
type GuardRegistry = { readonly [K in MessageKind]: Map<string, Guard> };

function emptyRegistry(): GuardRegistry {
  return { notification: new Map(), request: new Map(), response: new Map() };
}

function register(registry: GuardRegistry, module: GuardModule): void {
  for (const kind of KINDS) for (const [method, guard] of module[kind]) registry[kind].set(method, guard);
}

const KINDS: readonly MessageKind[] = ["notification", "request", "response"];

/** The guards of what a client receives, each module's as it loads (`guardModules.ts` says where). */
const clientGuards = emptyRegistry();
/** The guards of what a server receives: all of them, loaded by `loadSchemas()`. */
const serverGuards = emptyRegistry();
let serverGuardsLoaded = false;
const moduleLoads = new Map<LoadGuards, Promise<void>>();

let schemasModule: SchemasModule | undefined;
let loading: Promise<SchemasModule> | undefined;

function loadSchemasModule(): Promise<SchemasModule> {
  loading ??= Promise.all([import("./schemas.js"), import("./generated/serverGuards.js")]).then(
    ([schemas, guards]) => {
      schemasModule = schemas;
      if (!serverGuardsLoaded) register(serverGuards, guards.GUARDS);
      serverGuardsLoaded = true;
      return schemas;
    },
  );
  return loading;
}

/**
 * Loads one module of the client's guards, once; never rejects. Should the module fail to load (a
 * chunk the network lost), its methods are checked by zod instead, or, without zod either, every
 * message of them fails (reported, never passed unchecked).
 */
function loadGuardModule(load: LoadGuards): Promise<void> {
  let loaded = moduleLoads.get(load);
  if (loaded === undefined) {
    loaded = load().then(
      (module) => register(clientGuards, module.GUARDS),
      () => checkWithZod(load),
    );
    moduleLoads.set(load, loaded);
  }
  return loaded;
}

function checkWithZod(load: LoadGuards): Promise<void> {
  const install = (tables: SchemasModule | undefined) => {
    for (const kind of KINDS) {
      for (const [method, owner] of CLIENT_GUARD_MODULES[kind]) {
        if (owner !== load) continue;
        const schema = tables === undefined ? undefined : CLIENT_SCHEMA_OF[kind](tables, method);
        clientGuards[kind].set(method, schema === undefined ? rejectAll : (v) => schema.safeParse(v).success);
      }
    }
  };
  return loadSchemasModule().then(install, () => install(undefined));
}

function rejectAll(): boolean {
  return false;
}

/**
 * Loads every guard of what a client receives (each module is otherwise loaded on the first message of
 * one of its methods), so that every check of a client-side validator is synchronous from then on.
 */
export function loadGuards(): Promise<void> {
  const modules = new Set(KINDS.flatMap((kind) => [...CLIENT_GUARD_MODULES[kind].values()]));
  return Promise.all([...modules].map(loadGuardModule)).then(() => undefined);
}

/**
 * Loads zod, the schema tables (the `./schemas` entry) and every guard (of both sides), once. A
 * client's validator loads zod itself when a first message fails its guard (valid traffic never loads
 * zod); call it to have zod's issues in the first failure's `error` already, rather than in its
 * `details`. A server-side validator (a fake server) needs it before its first check.
 */
export function loadSchemas(): Promise<void> {
  return Promise.all([loadSchemasModule(), loadGuards()]).then(() => undefined);
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

/** Where the zod schema of one method is, in the tables of the `./schemas` entry. */
type SchemaLookup = (tables: SchemasModule, method: string) => z.ZodType | undefined;

const CLIENT_SCHEMA_OF: { readonly [K in MessageKind]: SchemaLookup } = {
  notification: (tables, method) => tables.SERVER_NOTIFICATION_SCHEMAS.get(method),
  request: (tables, method) => tables.SERVER_REQUEST_SCHEMAS.get(method)?.params,
  response: (tables, method) => tables.CLIENT_REQUEST_SCHEMAS.get(method)?.result,
};

const SERVER_SCHEMA_OF: { readonly [K in MessageKind]: SchemaLookup } = {
  notification: (tables, method) => tables.CLIENT_NOTIFICATION_SCHEMAS.get(method),
  request: (tables, method) => tables.CLIENT_REQUEST_SCHEMAS.get(method)?.params,
  response: (tables, method) => tables.SERVER_REQUEST_SCHEMAS.get(method)?.result,
};

/** The one issue of a failure found before zod has loaded; its `details` carry zod's. */
const SCHEMAS_LOADING: readonly ValidationIssue[] = Object.freeze([
  Object.freeze({
    path: [],
    message: "the value does not match the schema (zod's issues follow in `details`)",
  }),
]);

/**
 * One kind of message on one side: the generated guard of each method (once its module has loaded),
 * and where to find its zod schema (built on first use) for the issues of a value the guard rejects.
 */
class CheckedTable {
  private readonly kind: MessageKind;
  private readonly guards: ReadonlyMap<string, Guard>;
  /** The client's: which module has each method's guard. A server's guards are all in one module. */
  private readonly modules: ReadonlyMap<string, LoadGuards> | undefined;
  private readonly schemaOf: SchemaLookup;

  constructor(kind: MessageKind, side: ValidatorSide) {
    this.kind = kind;
    this.guards = side === "client" ? clientGuards[kind] : serverGuards[kind];
    this.modules = side === "client" ? CLIENT_GUARD_MODULES[kind] : undefined;
    this.schemaOf = side === "client" ? CLIENT_SCHEMA_OF[kind] : SERVER_SCHEMA_OF[kind];
  }

  known(method: string): ValidationResult {
    if (this.modules !== undefined) return this.modules.has(method) ? VALID_KNOWN : VALID_UNKNOWN;
    assertServerGuards();
    return this.guards.has(method) ? VALID_KNOWN : VALID_UNKNOWN;
  }

  /** Undefined when `check` can run now; else the loading of the method's guard module. */
  prepare(method: string): Promise<void> | undefined {
    if (this.guards.has(method)) return undefined;
    if (this.modules === undefined) return serverGuardsLoaded ? undefined : loadSchemas();
    const load = this.modules.get(method);
    return load === undefined ? undefined : loadGuardModule(load);
  }

  check(method: string, value: unknown): ValidationResult {
    const guard = this.guards.get(method);
    if (guard === undefined) return this.withoutGuard(method, value);
    if (guard(value)) return VALID_KNOWN;
    // The guard said no: zod builds the issues (and has the last word, should the two ever disagree).
    return this.rejected(method, value);
  }

  private rejected(method: string, value: unknown): ValidationResult {
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

  /** A method whose guard is not there: unknown, or its module has not loaded (zod decides, if loaded). */
  private withoutGuard(method: string, value: unknown): ValidationResult {
    if (this.modules === undefined) {
      assertServerGuards();
      return VALID_UNKNOWN;
    }
    if (!this.modules.has(method)) return VALID_UNKNOWN;
    if (schemasModule !== undefined) return this.rejected(method, value);
    throw new CodexError(
      "guards_not_loaded",
      `the guard of ${this.kind} ${method} has not loaded: await the validator's prepare("${this.kind}", "${method}") (or loadGuards()) before checking`,
    );
  }

  /** zod's issues for a value its guard rejected; undefined if zod accepts it after all. */
  private issues(tables: SchemasModule, method: string, value: unknown): ValidationIssue[] | undefined {
    const parsed = (this.schemaOf(tables, method) as z.ZodType).safeParse(value);
    return parsed.success ? undefined : toIssues(parsed.error.issues);
  }
}

function assertServerGuards(): void {
  if (!serverGuardsLoaded) {
    throw new Error("a server-side validator checks nothing before `await loadSchemas()`");
  }
}

function tablesOf(side: ValidatorSide): Record<MessageKind, CheckedTable> {
  return {
    notification: new CheckedTable("notification", side),
    request: new CheckedTable("request", side),
    response: new CheckedTable("response", side),
  };
}

const TABLES: Record<ValidatorSide, Record<MessageKind, CheckedTable>> = {
  client: tablesOf("client"),
  server: tablesOf("server"),
};

/**
 * A validator over the generated schemas: one map lookup by method, then the method's generated guard
 * (plain code, no copy, no allocation), and the zod schema's `safeParse` only when the guard says no (so
 * every failure, and its issues, comes from zod; the schema is built on that first use).
 * Success returns the shared `VALID_KNOWN` / `VALID_UNKNOWN` constants. Failures are returned the same way in
 * `strict` and `lenient` mode; the mode tells the caller whether to drop the message (strict) or deliver
 * it and report the error (lenient). In `off` mode no schema runs: only whether the method is known.
 * The validated value is never copied or changed, so callers deliver the object they parsed. A client's
 * guards are in generated modules, each loaded on first use: `prepare(kind, method)` says whether a
 * message can be checked now, or when it can (`loadGuards()` loads them all).
 */
export function createValidator(options: ValidatorOptions): MessageValidator {
  const { mode, side } = options;
  const tables = TABLES[side];
  if (mode === "off") {
    return {
      mode,
      prepare: () => undefined,
      notification: (method) => tables.notification.known(method),
      request: (method) => tables.request.known(method),
      response: (method) => tables.response.known(method),
    };
  }
  return {
    mode,
    prepare: (kind, method) => tables[kind].prepare(method),
    notification: (method, params) => tables.notification.check(method, params),
    request: (method, params) => tables.request.check(method, params),
    response: (method, result) => tables.response.check(method, result),
  };
}

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

function toIssues(issues: readonly z.core.$ZodIssue[]): ValidationIssue[] {
  return issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === "symbol" ? String(key) : key)),
    message: issue.message,
  }));
}

/** Says `true` only for values the schema accepts; `false` means "ask the schema". */
type Acceptor = (value: unknown) => boolean;

/** The subset of a zod v4 definition the acceptors read. */
interface SchemaDef {
  type: string;
  checks?: readonly unknown[];
  coerce?: boolean;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
  discriminator?: string;
  unionFallback?: boolean;
  inclusive?: boolean;
  values?: readonly unknown[];
  entries?: Record<string, unknown>;
}

interface SchemaInternals {
  def: SchemaDef;
  optin?: "optional" | "defaulted";
  optout?: "optional";
  propValues?: Record<string, Set<unknown>>;
}

const internals = (schema: z.ZodType): SchemaInternals =>
  (schema as unknown as { _zod: SchemaInternals })._zod;

const ACCEPT_ALL: Acceptor = () => true;
const acceptors = new WeakMap<z.ZodType, Acceptor>();

function isPlainObjectValue(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether the definition has something the acceptors do not mirror: refinements or coercion. */
function hasExtras(def: SchemaDef): boolean {
  return (def.checks !== undefined && def.checks.length > 0) || def.coerce === true;
}

/**
 * A fast acceptor for a schema: the same decision as `schema.safeParse(value).success` for the common
 * success case, without the parsed copy and issue lists zod builds on every call. Each node mirrors
 * zod v4's own parse of that node (zod/v4/core/schemas.js); a node it does not mirror exactly
 * (refinements, coercion, defaults, strict objects, records...) asks zod about that node. It never
 * says `true` for a value zod rejects; when it says `false`, zod runs and decides, so failures and
 * their issues are zod's, unchanged.
 */
function acceptorOf(schema: z.ZodType): Acceptor {
  const known = acceptors.get(schema);
  if (known !== undefined) return known;
  // No cycle can recurse here: the generated schemas only refer back to themselves through `z.lazy`,
  // which asks zod.
  const built = buildAcceptor(schema);
  acceptors.set(schema, built);
  return built;
}

function askZod(schema: z.ZodType): Acceptor {
  return (value) => schema.safeParse(value).success;
}

function buildAcceptor(schema: z.ZodType): Acceptor {
  const def = internals(schema).def;
  if (hasExtras(def)) return askZod(schema);
  switch (def.type) {
    case "string":
      return (value) => typeof value === "string";
    case "number":
      return (value) => typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return (value) => typeof value === "boolean";
    case "null":
      return (value) => value === null;
    case "unknown":
    case "any":
      return ACCEPT_ALL;
    case "literal": {
      const values = new Set(def.values);
      return (value) => values.has(value);
    }
    case "enum": {
      const values = Object.values(def.entries ?? {});
      if (!values.every((v) => typeof v === "string")) return askZod(schema);
      const set = new Set<unknown>(values);
      return (value) => set.has(value);
    }
    case "nullable": {
      const inner = acceptorOf(def.innerType as z.ZodType);
      return (value) => value === null || inner(value);
    }
    case "optional": {
      const innerSchema = def.innerType as z.ZodType;
      if (internals(innerSchema).optin === "defaulted") return askZod(schema);
      const inner = acceptorOf(innerSchema);
      return (value) => value === undefined || inner(value);
    }
    case "array": {
      const element = acceptorOf(def.element as z.ZodType);
      return (value) => {
        if (!Array.isArray(value)) return false;
        for (let i = 0; i < value.length; i++) if (!element(value[i])) return false;
        return true;
      };
    }
    case "object":
      return objectAcceptor(schema, def);
    case "union":
      return def.discriminator === undefined
        ? unionAcceptor(schema, def)
        : discriminatedAcceptor(schema, def);
    default:
      return askZod(schema);
  }
}

interface FieldPlan {
  key: string;
  schema: z.ZodType;
  /** zod lets the key be absent (optional in and out). */
  absentOk: boolean;
}

function objectAcceptor(schema: z.ZodType, def: SchemaDef): Acceptor {
  const catchall = def.catchall === undefined ? undefined : internals(def.catchall).def;
  // Unknown keys: stripped (no catchall) or kept as they are (`looseObject`); anything else asks zod.
  if (catchall !== undefined && catchall.type !== "unknown" && catchall.type !== "any") return askZod(schema);
  const shape = def.shape ?? {};
  const keys = Object.keys(shape);
  if (keys.includes("__proto__") || Object.getOwnPropertySymbols(shape).length > 0) return askZod(schema);
  const fields: FieldPlan[] = keys.map((key) => {
    const field = shape[key] as z.ZodType;
    const { optin, optout } = internals(field);
    return { key, schema: field, absentOk: optin === "optional" && optout === "optional" };
  });
  return compiledObjectAcceptor(fields) ?? askZod(schema);
}

/**
 * The object acceptor as straight-line code with the keys written out, so each property read is a
 * plain one (as zod does for its own object parser). Undefined where code cannot be generated (a
 * Content-Security-Policy without 'unsafe-eval'): the object then asks zod, since a closure walking
 * the fields with computed keys measured no faster than zod's own parse.
 */
function compiledObjectAcceptor(fields: readonly FieldPlan[]): Acceptor | undefined {
  const subs: Acceptor[] = [];
  const lines = fields.map(({ key, schema, absentOk }, i) => {
    const k = JSON.stringify(key);
    const test = inlineTest(schema, `f${i}`, subs);
    const read = `const f${i} = v[${k}];`;
    return absentOk
      ? `if (${k} in v) { ${read} if (!(${test})) return false; }`
      : `if (!(${k} in v)) return false; { ${read} if (!(${test})) return false; }`;
  });
  const body = [
    '"use strict";',
    "return function accept(v) {",
    '  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;',
    ...lines.map((line) => `  ${line}`),
    "  return true;",
    "};",
  ].join("\n");
  try {
    return new Function("subs", body)(subs) as Acceptor;
  } catch {
    return undefined;
  }
}

/** A JavaScript expression equal to `acceptorOf(schema)(<name>)`, inlined for the common leaf types. */
function inlineTest(schema: z.ZodType, name: string, subs: Acceptor[]): string {
  const def = internals(schema).def;
  const viaAcceptor = () => `subs[${subs.push(acceptorOf(schema)) - 1}](${name})`;
  if (hasExtras(def)) return viaAcceptor();
  switch (def.type) {
    case "string":
      return `typeof ${name} === "string"`;
    case "number":
      return `(typeof ${name} === "number" && Number.isFinite(${name}))`;
    case "boolean":
      return `typeof ${name} === "boolean"`;
    case "null":
      return `${name} === null`;
    case "unknown":
    case "any":
      return "true";
    case "literal": {
      const [only, ...rest] = def.values ?? [];
      if (rest.length === 0 && typeof only === "string") return `${name} === ${JSON.stringify(only)}`;
      return viaAcceptor();
    }
    case "nullable":
      return `(${name} === null || ${inlineTest(def.innerType as z.ZodType, name, subs)})`;
    case "optional":
      if (internals(def.innerType as z.ZodType).optin === "defaulted") return viaAcceptor();
      return `(${name} === undefined || ${inlineTest(def.innerType as z.ZodType, name, subs)})`;
    default:
      return viaAcceptor();
  }
}

function unionAcceptor(schema: z.ZodType, def: SchemaDef): Acceptor {
  if (def.inclusive === false) return askZod(schema);
  const options = (def.options ?? []).map(acceptorOf);
  return (value) => {
    for (let i = 0; i < options.length; i++) if ((options[i] as Acceptor)(value)) return true;
    return false;
  };
}

/** Zod picks the option by the discriminator's value; so does this, when each value names one option. */
function discriminatedAcceptor(schema: z.ZodType, def: SchemaDef): Acceptor {
  const discriminator = def.discriminator as string;
  if (def.unionFallback === true) return askZod(schema);
  const byValue = new Map<unknown, Acceptor>();
  for (const option of def.options ?? []) {
    const values = internals(option).propValues?.[discriminator];
    if (values === undefined || values.size === 0) return askZod(schema);
    const accept = acceptorOf(option);
    for (const v of values) {
      if (v === undefined || byValue.has(v)) return askZod(schema);
      byValue.set(v, accept);
    }
  }
  return (value) => {
    if (!isPlainObjectValue(value)) return false;
    const accept = byValue.get(value[discriminator]);
    return accept?.(value) === true;
  };
}

type MessageKind = CodexValidationError["kind"];

/** A table's schemas with their acceptors, built on first use of each method. */
class CheckedTable {
  private readonly table: SchemaTable;
  private readonly kind: MessageKind;
  private readonly entries = new Map<string, { schema: z.ZodType; accept: Acceptor }>();

  constructor(table: SchemaTable, kind: MessageKind) {
    this.table = table;
    this.kind = kind;
  }

  known(method: string): ValidationResult {
    return this.table.has(method) ? VALID_KNOWN : VALID_UNKNOWN;
  }

  check(method: string, value: unknown): ValidationResult {
    let entry = this.entries.get(method);
    if (entry === undefined) {
      const schema = this.table.get(method);
      if (schema === undefined) return VALID_UNKNOWN;
      entry = { schema, accept: acceptorOf(schema) };
      this.entries.set(method, entry);
    }
    if (entry.accept(value)) return VALID_KNOWN;
    const parsed = entry.schema.safeParse(value);
    if (parsed.success) return VALID_KNOWN;
    return {
      ok: false,
      error: new CodexValidationError(this.kind, method, toIssues(parsed.error.issues)),
    };
  }
}

const TABLES: Record<ValidatorSide, Record<MessageKind, CheckedTable>> = {
  client: {
    notification: new CheckedTable(SERVER_NOTIFICATION_SCHEMAS, "notification"),
    request: new CheckedTable(part(SERVER_REQUEST_SCHEMAS, "params"), "request"),
    response: new CheckedTable(part(CLIENT_REQUEST_SCHEMAS, "result"), "response"),
  },
  server: {
    notification: new CheckedTable(CLIENT_NOTIFICATION_SCHEMAS, "notification"),
    request: new CheckedTable(part(CLIENT_REQUEST_SCHEMAS, "params"), "request"),
    response: new CheckedTable(part(SERVER_REQUEST_SCHEMAS, "result"), "response"),
  },
};

/**
 * A validator over the generated schemas: one map lookup by method, then the schema's fast acceptor,
 * and `safeParse` only when that does not accept (so every failure, and its issues, comes from zod).
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

/**
 * JSON Schema → plain TypeScript guards, and the guards.ts file. Each guard decides exactly what the
 * zod schema of the same node (emitSchemas.ts) decides for parsed JSON, node by node, without building
 * a copy or an issue list: objects and records as zod checks them, `in` for required keys, finite
 * numbers, discriminated unions through one `switch`. The validator runs the guard first and asks zod
 * only when it says no, so zod builds the issue list and has the last word on every failure.
 */
import { memberSegment } from "./emitSchemas.js";
import {
  fieldSegment,
  isNode,
  type JsonSchema,
  refName,
  SchemaError,
  type SchemaNode,
  typesOf,
  within,
} from "./jsonSchema.js";
import type { MethodEntry, ProtocolMethods } from "./protocolMethods.js";
import {
  discriminatorValue,
  findDiscriminator,
  isInlineObject,
  isObjectWithUnion,
  partitionUnion,
  unionKeyword,
  unionMembers,
} from "./shapes.js";
import { header, literalValue, stringLiteral } from "./text.js";

export function guardName(definition: string): string {
  return `is${definition}`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function read(object: string, key: string): string {
  return IDENTIFIER.test(key) ? `${object}.${key}` : `${object}[${stringLiteral(key)}]`;
}

/** One generated function: a definition's guard or a helper, without `export`. */
export interface GuardFunction {
  name: string;
  source: string;
}

/** Writes guard expressions; nodes that need statements become helper functions, shared by body. */
interface Helper {
  name: string;
  parameter: "any" | "unknown";
  body: string;
  /** Set when the helper is a definition's own guard: exported, as a type predicate. */
  exportedAs?: string;
}

export class GuardWriter {
  private readonly records: Helper[] = [];
  private readonly byBody = new Map<string, Helper>();
  private readonly counters = new Map<string, number>();
  private owner = "guard";
  private readonly definitions: ReadonlyMap<string, JsonSchema>;
  /** Definitions referred to so far (`$ref`), whose guards the file must have. */
  readonly referenced = new Set<string>();

  constructor(definitions: ReadonlyMap<string, JsonSchema>) {
    this.definitions = definitions;
  }

  /** Helper functions, in the order they were first needed. */
  get helpers(): string[] {
    return this.functions.map((helper) => helper.source);
  }

  /** Helper functions by name, in the order they were first needed; `export` is the caller's to add. */
  get functions(): GuardFunction[] {
    return this.records.map((helper) => ({
      name: helper.name,
      source: `function ${helper.name}(v: ${helper.parameter}): ${helper.exportedAs === undefined ? "boolean" : `v is T.${helper.exportedAs}`} {\n${helper.body}}\n`,
    }));
  }

  /**
   * The guard of a definition, written as `isName`: the helper of its top node itself when that is
   * its own (no wrapper call on the hot path), else a function returning the test.
   */
  definitionGuard(name: string, schema: JsonSchema): string | undefined {
    this.setOwner(guardName(name));
    const test = within(name, () => this.test(schema, "v"));
    const match = /^([\w$]+)\(v\)$/.exec(test);
    const last = this.records.at(-1);
    if (
      match !== null &&
      last !== undefined &&
      last.name === match[1] &&
      last.name.startsWith(`${guardName(name)}$`) &&
      !this.records.some((helper) => helper !== last && helper.body.includes(`${last.name}(`))
    ) {
      last.name = guardName(name);
      last.exportedAs = name;
      return undefined;
    }
    return `function ${guardName(name)}(v: unknown): v is T.${name} {\n  return ${test};\n}\n`;
  }

  /** Helpers created from now on are named after `owner` (`isThread$1`, ...). */
  setOwner(owner: string): void {
    this.owner = owner;
  }

  /** A boolean expression that is true exactly when `x` (an identifier) passes `schema`'s zod schema. */
  test(schema: JsonSchema, x: string): string {
    if (schema === true) return "true";
    if (schema === false) return "false";
    if (schema.$ref !== undefined) {
      const name = refName(schema.$ref);
      this.referenced.add(name);
      return `${guardName(name)}(${x})`;
    }
    if (schema.allOf !== undefined) {
      const parts = schema.allOf.map((member, i) => within(`.allOf[${i}]`, () => this.test(member, x)));
      return parts.length === 1 ? parts[0]! : `(${parts.join(" && ")})`;
    }
    if (unionKeyword(schema) !== undefined) return `${this.union(schema)}(${x})`;
    if (schema.enum !== undefined) return this.literals(schema.enum, x);
    const types = typesOf(schema);
    if (types.length === 0) {
      return schema.properties !== undefined ? `${this.object(schema)}(${x})` : "true";
    }
    const nullable = types.includes("null");
    const parts = types
      .filter((type) => type !== "null")
      .map((type) => {
        switch (type) {
          case "string":
            return `typeof ${x} === "string"`;
          case "integer":
          case "number":
            return `(typeof ${x} === "number" && Number.isFinite(${x}))`;
          case "boolean":
            return `typeof ${x} === "boolean"`;
          case "array":
            return `${this.array(schema)}(${x})`;
          case "object":
            return `${this.object(schema)}(${x})`;
          default:
            throw new SchemaError(`unsupported type ${String(type)}`);
        }
      });
    if (parts.length === 0) return `${x} === null`;
    return this.anyOf(nullable ? [`${x} === null`, ...parts] : parts);
  }

  private anyOf(parts: string[]): string {
    return parts.length === 1 ? parts[0]! : `(${parts.join(" || ")})`;
  }

  /** A literal set: inline comparisons for a few values, a `switch` in a helper for more. */
  private literals(values: readonly unknown[], x: string): string {
    const written = values.map((value) => (value === null ? "null" : literalValue(value)));
    if (written.length <= 3) return this.anyOf(written.map((value) => `${x} === ${value}`));
    const cases = written.map((value) => `    case ${value}:\n`).join("");
    return `${this.helper("unknown", `  switch (v) {\n${cases}      return true;\n    default:\n      return false;\n  }\n`)}(${x})`;
  }

  private array(node: SchemaNode): string {
    const items = node.items ?? true;
    const element = within("[]", () => this.test(items, "e"));
    if (element === "true") return "Array.isArray";
    return this.helper(
      "any",
      "  if (!Array.isArray(v)) return false;\n" +
        "  for (let i = 0; i < v.length; i++) {\n" +
        "    const e = v[i];\n" +
        `    if (!${wrap(element)}) return false;\n` +
        "  }\n" +
        "  return true;\n",
    );
  }

  /** Mirrors renderObject: strict and loose objects, records of any or typed values. */
  private object(node: SchemaNode): string {
    const properties = Object.entries(node.properties ?? {});
    const extra = node.additionalProperties;
    if (properties.length === 0) {
      if (extra === false)
        return this.helper(
          "any",
          "  if (!isObject(v)) return false;\n  for (const _ in v) return false;\n  return true;\n",
        );
      if (extra === undefined || extra === true) return "isPlainObject";
      const value = within("{}", () => this.test(extra, "e"));
      if (value === "true") return "isPlainObject";
      return this.helper(
        "any",
        "  if (!isPlainObject(v)) return false;\n" +
          "  for (const k of Object.keys(v)) {\n" +
          '    if (k === "__proto__") continue;\n' +
          "    const e = v[k];\n" +
          `    if (!${wrap(value)}) return false;\n` +
          "  }\n" +
          "  return true;\n",
      );
    }
    if (isNode(extra)) {
      throw new SchemaError("objects with both properties and typed extra keys are unsupported");
    }
    const required = new Set(node.required ?? []);
    const conjuncts = ["isObject(v)"];
    for (const [key, value] of properties) {
      const field = read("v", key);
      const test = within(fieldSegment(key), () => this.test(value, field));
      if (required.has(key)) {
        // zod wants a required key present (`in`, as zod checks it) even when its schema takes undefined.
        if (test === "true" || this.acceptsUndefined(value)) conjuncts.push(`${stringLiteral(key)} in v`);
        if (test !== "true") conjuncts.push(test);
      } else if (test !== "true") {
        conjuncts.push(`(${field} === undefined || ${test})`);
      }
    }
    if (extra === false) {
      const cases = properties.map(([key]) => `      case ${stringLiteral(key)}:\n`).join("");
      const keys = this.helper(
        "any",
        `  for (const k in v) {\n    switch (k) {\n${cases}        continue;\n      default:\n        return false;\n    }\n  }\n  return true;\n`,
      );
      conjuncts.push(`${keys}(v)`);
    }
    return this.helper("any", `  return (\n    ${conjuncts.join(" &&\n    ")}\n  );\n`);
  }

  /** Whether `schema` accepts `undefined` (so only `in` tells an absent required key). */
  private acceptsUndefined(schema: JsonSchema, seen: Set<string> = new Set()): boolean {
    if (schema === true) return true;
    if (schema === false) return false;
    if (schema.$ref !== undefined) {
      const name = refName(schema.$ref);
      if (seen.has(name)) return false;
      seen.add(name);
      return this.acceptsUndefined(this.definitions.get(name) ?? false, seen);
    }
    if (schema.allOf !== undefined)
      return schema.allOf.every((member) => this.acceptsUndefined(member, seen));
    if (unionKeyword(schema) !== undefined) {
      return unionMembers(schema).some((member) => this.acceptsUndefined(member, seen));
    }
    if (schema.enum !== undefined) return false;
    return typesOf(schema).length === 0 && schema.properties === undefined;
  }

  /** Mirrors renderUnion: literals, `null`, a discriminated union of the objects, the other members. */
  private union(node: SchemaNode): string {
    const all = unionMembers(node);
    const at = memberSegment(node, all);
    const { literals, hasNull, others } = partitionUnion(all);
    const lines: string[] = [];
    if (literals.length > 0) lines.push(`  if (${this.literals(literals, "v")}) return true;\n`);
    if (hasNull) lines.push("  if (v === null) return true;\n");
    const objects: JsonSchema[] = others.filter(
      (member) => isInlineObject(member) || isObjectWithUnion(member),
    );
    const discriminator = objects.length >= 2 ? findDiscriminator(objects) : undefined;
    const rest = discriminator === undefined ? others : others.filter((member) => !objects.includes(member));
    if (discriminator !== undefined) {
      const cases = objects.map((member) => {
        const value = discriminatorValue(member, discriminator)!;
        const test = within(at(member), () => this.option(member));
        return `      case ${stringLiteral(value)}:\n        if (${test}) return true;\n        break;\n`;
      });
      lines.push(
        `  if (isObject(v)) {\n    switch (${read("v", discriminator)}) {\n${cases.join("")}    }\n  }\n`,
      );
    }
    for (const member of rest) {
      const test = within(at(member), () => this.test(member, "v"));
      lines.push(`  if (${test}) return true;\n`);
    }
    lines.push("  return false;\n");
    return this.helper("any", lines.join(""));
  }

  /** An option of a discriminated union; one that is itself a union (a zod pipe) is any of its members. */
  private option(member: JsonSchema): string {
    if (!isObjectWithUnion(member)) return this.test(member, "v");
    const nested = unionMembers(member);
    const at = memberSegment(member, nested);
    return this.anyOf(nested.map((option) => within(at(option), () => this.test(option, "v"))));
  }

  private helper(parameter: "any" | "unknown", body: string): string {
    const known = this.byBody.get(`${parameter}\n${body}`);
    if (known !== undefined) return known.name;
    const count = (this.counters.get(this.owner) ?? 0) + 1;
    this.counters.set(this.owner, count);
    const helper: Helper = { name: `${this.owner}$${count}`, parameter, body };
    this.byBody.set(`${parameter}\n${body}`, helper);
    this.records.push(helper);
    return helper.name;
  }
}

function wrap(test: string): string {
  return /^[\w$.]+\([\w$.]*\)$/.test(test) || test.startsWith("(") ? test : `(${test})`;
}

/** The kinds of message a validator checks, as `MessageValidator` names them. */
type MessageKind = "notification" | "request" | "response";

/** The method tables of one side: which list of methods, which part of each, under which kind. */
const CLIENT_TABLES = [
  ["notification", "serverNotifications", "params"],
  ["request", "serverRequests", "params"],
  ["response", "clientRequests", "result"],
] as const;
const SERVER_TABLES = [
  ["notification", "clientNotifications", "params"],
  ["request", "clientRequests", "params"],
  ["response", "serverRequests", "result"],
] as const;

type TableSpec = (typeof CLIENT_TABLES)[number] | (typeof SERVER_TABLES)[number];

/**
 * What a client receives while it runs turns (the handshake, a thread's start, a turn's start and
 * stream, its approvals, and what the server sends along: rate limits after each response, remote
 * control's status on connecting, as the recorded sessions show): one module, which a client loads as
 * it connects. Every other method's guard
 * is in the module of its topic (the method's first segment: `account`, `config`, `plugin`, ...), loaded
 * on its first message. Names the pinned schema lacks are ignored.
 */
const TURN_MODULE: Readonly<Record<MessageKind, readonly string[]>> = {
  notification: [
    "error",
    "thread/started",
    "thread/status/changed",
    "thread/tokenUsage/updated",
    "turn/started",
    "turn/completed",
    "turn/diff/updated",
    "turn/plan/updated",
    "item/started",
    "item/completed",
    "item/agentMessage/delta",
    "item/plan/delta",
    "item/reasoning/summaryTextDelta",
    "item/reasoning/summaryPartAdded",
    "item/reasoning/textDelta",
    "item/commandExecution/outputDelta",
    "item/fileChange/outputDelta",
    "serverRequest/resolved",
    "account/rateLimits/updated",
    "remoteControl/status/changed",
  ],
  request: ["item/commandExecution/requestApproval", "item/fileChange/requestApproval"],
  response: [
    "initialize",
    "thread/start",
    "thread/resume",
    "thread/fork",
    "turn/start",
    "turn/steer",
    "turn/interrupt",
  ],
};
const TURN = "turn";

/** The guard of a method's params or result, as a function name or an arrow function. */
function methodGuard(writer: GuardWriter, entry: MethodEntry, part: "params" | "result"): string {
  if (part === "result") {
    if (entry.result === undefined) return "acceptAny";
    writer.referenced.add(entry.result);
    return guardName(entry.result);
  }
  const params = entry.params;
  if (params === undefined) return "isUndefined";
  const test = within(`${entry.method}.params`, () => writer.test(params, "v"));
  if (isNode(params) && params.$ref !== undefined && entry.paramsRequired)
    return guardName(refName(params.$ref));
  return entry.paramsRequired
    ? `(v: unknown) => ${test}`
    : `(v: unknown) => v === undefined || ${wrap(test)}`;
}

interface GuardRow {
  kind: MessageKind;
  method: string;
  guard: string;
}

const SUPPORT = ["acceptAny", "isObject", "isPlainObject", "isUndefined"] as const;
const NAME = /[A-Za-z_$][\w$]*/g;

/** The rows of `tables`, and every function they reach (definition guards and their helpers). */
function writeGuards(
  definitions: ReadonlyMap<string, JsonSchema>,
  methods: ProtocolMethods,
  tables: readonly TableSpec[],
): { rows: GuardRow[]; functions: Map<string, GuardFunction> } {
  const writer = new GuardWriter(definitions);
  writer.setOwner("method");
  const rows = tables.flatMap(([kind, list, part]) =>
    methods[list].map((entry) => ({ kind, method: entry.method, guard: methodGuard(writer, entry, part) })),
  );
  const emitted = new Set<string>();
  const wrappers: GuardFunction[] = [];
  for (;;) {
    const next = [...writer.referenced].find((name) => !emitted.has(name));
    if (next === undefined) break;
    emitted.add(next);
    const schema = definitions.get(next);
    if (schema === undefined) throw new SchemaError(`guard of missing definition ${next}`);
    const wrapper = writer.definitionGuard(next, schema);
    if (wrapper !== undefined) wrappers.push({ name: guardName(next), source: wrapper });
  }
  const functions = new Map<string, GuardFunction>();
  for (const fn of [...wrappers, ...writer.functions]) functions.set(fn.name, fn);
  return { rows, functions };
}

/** The names in `source` that are among `known` (the functions it calls). */
function namesIn(source: string, known: ReadonlySet<string> | ReadonlyMap<string, unknown>): Set<string> {
  const found = new Set<string>();
  for (const match of source.matchAll(NAME)) if (known.has(match[0])) found.add(match[0]);
  return found;
}

/** One generated module: its functions (those another module calls are exported) and its rows. */
interface GuardModuleSpec {
  file: string;
  functions: string[];
  rows: GuardRow[];
}

function renderModule(
  spec: GuardModuleSpec,
  functions: ReadonlyMap<string, GuardFunction>,
  home: ReadonlyMap<string, string>,
  exported: ReadonlySet<string>,
  version: string,
  doc: string,
): string {
  const own = new Set(spec.functions);
  const bodies = [
    ...spec.functions.map((name) => functions.get(name)!.source),
    ...spec.rows.map((row) => row.guard),
  ];
  const called = new Set<string>();
  for (const body of bodies)
    for (const name of namesIn(body, functions)) if (!own.has(name)) called.add(name);
  const byFile = new Map<string, string[]>();
  for (const name of [...called].sort()) {
    const file = home.get(name)!;
    byFile.set(file, [...(byFile.get(file) ?? []), name]);
  }
  const support = SUPPORT.filter((name) => bodies.some((body) => namesIn(body, new Set([name])).size > 0));
  const supportImports = [...support, ...(spec.rows.length > 0 ? ["type GuardModule"] : [])].sort((a, b) =>
    a.replace("type ", "").localeCompare(b.replace("type ", "")),
  );
  const imports = [
    supportImports.length === 0 ? "" : `import { ${supportImports.join(", ")} } from "../guardSupport.js";\n`,
    ...[...byFile.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([file, names]) =>
          `import {\n${names.map((name) => `  ${name},\n`).join("")}} from "./${file}.js";\n`,
      ),
    bodies.some((body) => body.includes("v is T.")) ? 'import type * as T from "./types.js";\n' : "",
  ].join("");
  const table = (kind: MessageKind) =>
    spec.rows
      .filter((row) => row.kind === kind)
      .map((row) => `    [${stringLiteral(row.method)}, ${row.guard}],\n`)
      .join("");
  const rows =
    spec.rows.length === 0
      ? ""
      : `/** The guard of each method of this module, by the kind of message. */\nexport const GUARDS: GuardModule = {\n${(["notification", "request", "response"] as const).map((kind) => `  ${kind}: [\n${table(kind)}  ],\n`).join("")}};\n\n`;
  const body = spec.functions
    .map((name) => `${exported.has(name) ? "export " : ""}${functions.get(name)!.source}`)
    .join("\n");
  return [header(version), doc, imports, "\n", rows, body].join("");
}

/**
 * The client's guard modules: `guards.turn.ts` (what a turn receives, and every function it reaches),
 * one `guards.<topic>.ts` per topic of the other methods, and `guards.shared<N>.ts` for the functions
 * several topics share (outside the turn module), one module per set of topics that reach them. No two
 * modules hold the same function, and each imports only what it calls.
 */
function clientModules(
  rows: readonly GuardRow[],
  functions: ReadonlyMap<string, GuardFunction>,
): GuardModuleSpec[] {
  const deps = new Map<string, Set<string>>();
  for (const [name, fn] of functions) {
    const called = namesIn(fn.source, functions);
    called.delete(name);
    deps.set(name, called);
  }
  const inTurn = (row: GuardRow) => TURN_MODULE[row.kind].includes(row.method);
  const groupOf = (row: GuardRow) => (inTurn(row) ? TURN : row.method.split("/")[0]!);
  const groups = new Map<string, GuardRow[]>();
  for (const row of rows) groups.set(groupOf(row), [...(groups.get(groupOf(row)) ?? []), row]);
  // Which groups reach each function.
  const reach = new Map<string, Set<string>>();
  for (const [group, groupRows] of groups) {
    const stack = groupRows.flatMap((row) => [...namesIn(row.guard, functions)]);
    const seen = new Set<string>();
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      stack.push(...deps.get(name)!);
    }
    for (const name of seen) reach.set(name, (reach.get(name) ?? new Set()).add(group));
  }
  const byKey = new Map<string, string[]>();
  for (const name of functions.keys()) {
    const groupsOf = reach.get(name);
    if (groupsOf === undefined) continue;
    const key = groupsOf.has(TURN) ? TURN : [...groupsOf].sort().join(" ");
    byKey.set(key, [...(byKey.get(key) ?? []), name]);
  }
  const modules: GuardModuleSpec[] = [];
  const shared = [...byKey.keys()].filter((key) => key.includes(" ")).sort();
  for (const [group, groupRows] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    modules.push({ file: `guards.${group}`, functions: byKey.get(group) ?? [], rows: groupRows });
  }
  shared.forEach((key, i) => {
    modules.push({ file: `guards.shared${i + 1}`, functions: byKey.get(key)!, rows: [] });
  });
  return modules;
}

function guardModulesFile(modules: readonly GuardModuleSpec[], version: string): string {
  const loaders = modules
    .filter((module) => module.rows.length > 0)
    .map((module) => `const ${loaderName(module)}: LoadGuards = () => import("./${module.file}.js");\n`)
    .join("");
  const table = (kind: MessageKind) =>
    modules
      .flatMap((module) =>
        module.rows
          .filter((row) => row.kind === kind)
          .map((row) => `    [${stringLiteral(row.method)}, ${loaderName(module)}],\n`),
      )
      .join("");
  return [
    header(version),
    "/* Where the guard of each method a client receives is: which module to load (a bundler makes each\n" +
      " * one a chunk), by the kind of message. The validator loads a module on the first message of one of\n" +
      " * its methods, or when asked to (`prepare`, `loadGuards()`). */\n",
    'import type { LoadGuards } from "../guardSupport.js";\n\n',
    loaders,
    "\n/** The module of each method's guard, by the kind of message a client receives. */\n",
    'export const CLIENT_GUARD_MODULES: {\n  readonly [K in "notification" | "request" | "response"]: ReadonlyMap<string, LoadGuards>;\n} = {\n',
    ...(["notification", "request", "response"] as const).map(
      (kind) => `  ${kind}: new Map<string, LoadGuards>([\n${table(kind)}  ]),\n`,
    ),
    "};\n",
  ].join("");
}

function loaderName(module: GuardModuleSpec): string {
  return `load${module.file.slice("guards.".length).replace(/^./, (c) => c.toUpperCase())}`;
}

/**
 * The guard files: the client's modules (`guards.<topic>.ts`, `guards.shared<N>.ts`) and
 * `guardModules.ts`, which says which module has each method's guard; and `serverGuards.ts`, every guard
 * of what a server (a fake) receives in one module, which `loadSchemas()` loads.
 */
export function emitGuardFiles(
  definitions: ReadonlyMap<string, JsonSchema>,
  methods: ProtocolMethods,
  version: string,
): Map<string, string> {
  const files = new Map<string, string>();
  const client = writeGuards(definitions, methods, CLIENT_TABLES);
  const modules = clientModules(client.rows, client.functions);
  const home = new Map<string, string>();
  for (const module of modules) for (const name of module.functions) home.set(name, module.file);
  const exported = new Set<string>();
  for (const module of modules) {
    const own = new Set(module.functions);
    const bodies = [
      ...module.functions.map((name) => client.functions.get(name)!.source),
      ...module.rows.map((row) => row.guard),
    ];
    for (const body of bodies)
      for (const name of namesIn(body, client.functions)) if (!own.has(name)) exported.add(name);
  }
  const doc =
    "/* Plain TypeScript guards generated from the JSON Schema, for what a client receives: each says\n" +
    " * true exactly when the zod schema of the same name (schemas.ts) accepts the parsed JSON value,\n" +
    " * without copying it or building issues. The validator runs them first and asks zod only for the\n" +
    " * issues of a rejected value. No code is compiled at run time. guardModules.ts says which module\n" +
    " * has each method's guard. */\n";
  for (const module of modules) {
    files.set(`${module.file}.ts`, renderModule(module, client.functions, home, exported, version, doc));
  }
  files.set("guardModules.ts", guardModulesFile(modules, version));
  const server = writeGuards(definitions, methods, SERVER_TABLES);
  files.set(
    "serverGuards.ts",
    renderModule(
      { file: "serverGuards", functions: [...server.functions.keys()], rows: server.rows },
      server.functions,
      new Map(),
      new Set(),
      version,
      "/* The guards of what a server (a fake, in tests) receives: client notifications and requests, and\n" +
        " * results of server requests; see guards.turn.ts. Loaded by `loadSchemas()`. */\n",
    ),
  );
  return files;
}

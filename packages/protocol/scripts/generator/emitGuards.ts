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
    return this.records.map(
      (helper) =>
        `${helper.exportedAs === undefined ? "" : "export "}function ${helper.name}(v: ${helper.parameter}): ${helper.exportedAs === undefined ? "boolean" : `v is T.${helper.exportedAs}`} {\n${helper.body}}\n`,
    );
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
    return `export function ${guardName(name)}(v: unknown): v is T.${name} {\n  return ${test};\n}\n`;
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

/** The per-method guard tables the validator looks up, by which side receives the messages. */
const CLIENT_TABLES = [
  ["SERVER_NOTIFICATION_GUARDS", "Params of every server notification.", "serverNotifications", "params"],
  ["SERVER_REQUEST_PARAMS_GUARDS", "Params of every server request.", "serverRequests", "params"],
  ["CLIENT_REQUEST_RESULT_GUARDS", "Results of every client request.", "clientRequests", "result"],
] as const;
const SERVER_TABLES = [
  ["CLIENT_NOTIFICATION_GUARDS", "Params of every client notification.", "clientNotifications", "params"],
  ["CLIENT_REQUEST_PARAMS_GUARDS", "Params of every client request.", "clientRequests", "params"],
  ["SERVER_REQUEST_RESULT_GUARDS", "Results of every server request.", "serverRequests", "result"],
] as const;

type TableSpec = (typeof CLIENT_TABLES)[number] | (typeof SERVER_TABLES)[number];

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

/**
 * One guards file: the tables, and the guard of every definition they reach (through references),
 * except those `imported` from the other file.
 */
function emitOneGuardsFile(
  definitions: ReadonlyMap<string, JsonSchema>,
  methods: ProtocolMethods,
  version: string,
  tables: readonly TableSpec[],
  imported: ReadonlySet<string>,
  doc: string,
): { source: string; emitted: Set<string> } {
  const writer = new GuardWriter(definitions);
  writer.setOwner("method");
  const tableSources = tables.map(([constName, tableDoc, list, part]) => {
    const rows = methods[list]
      .map((entry) => `  [${stringLiteral(entry.method)}, ${methodGuard(writer, entry, part)}],\n`)
      .join("");
    return `/** ${tableDoc} */\nexport const ${constName}: ReadonlyMap<string, Guard> = new Map<string, Guard>([\n${rows}]);\n`;
  });
  const emitted = new Set<string>();
  const wrappers: string[] = [];
  for (;;) {
    const next = [...writer.referenced].find((name) => !emitted.has(name) && !imported.has(name));
    if (next === undefined) break;
    emitted.add(next);
    const schema = definitions.get(next);
    if (schema === undefined) throw new SchemaError(`guard of missing definition ${next}`);
    const wrapper = writer.definitionGuard(next, schema);
    if (wrapper !== undefined) wrappers.push(wrapper);
  }
  const fromClient = [...writer.referenced].filter((name) => imported.has(name)).sort();
  const source = [
    header(version),
    doc,
    'import { acceptAny, type Guard, isObject, isPlainObject, isUndefined } from "../guardSupport.js";\n',
    fromClient.length === 0
      ? ""
      : `import {\n${fromClient.map((name) => `  ${guardName(name)},\n`).join("")}} from "./guards.js";\n`,
    'import type * as T from "./types.js";\n\n',
    tableSources.join("\n"),
    "\n",
    wrappers.join("\n"),
    wrappers.length === 0 ? "" : "\n",
    writer.helpers.join("\n"),
  ].join("");
  return { source, emitted };
}

/**
 * `guards.ts` (what a client receives: server notifications and requests, results of client requests)
 * and `serverGuards.ts` (what a server receives), each with the guards of the definitions its tables
 * reach; the server file imports those the client file has. A client loads only guards.ts.
 */
export function emitGuardFiles(
  definitions: ReadonlyMap<string, JsonSchema>,
  methods: ProtocolMethods,
  version: string,
): { client: string; server: string } {
  const client = emitOneGuardsFile(
    definitions,
    methods,
    version,
    CLIENT_TABLES,
    new Set(),
    "/* Plain TypeScript guards generated from the JSON Schema, for what a client receives: each says\n" +
      " * true exactly when the zod schema of the same name (schemas.ts) accepts the parsed JSON value,\n" +
      " * without copying it or building issues. The validator runs them first and asks zod only for the\n" +
      " * issues of a rejected value. No code is compiled at run time. */\n",
  );
  const server = emitOneGuardsFile(
    definitions,
    methods,
    version,
    SERVER_TABLES,
    client.emitted,
    "/* The guards of what a server (a fake, in tests) receives: client notifications and requests, and\n" +
      " * results of server requests; see guards.ts. Loaded by `loadSchemas()`. */\n",
  );
  return { client: client.source, server: server.source };
}

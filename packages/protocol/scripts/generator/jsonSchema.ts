/** The subset of JSON Schema (draft 07) that schemars emits for the app-server protocol. */

export type SimpleType = "string" | "integer" | "number" | "boolean" | "null" | "array" | "object";

export type JsonSchema = boolean | SchemaNode;

export interface SchemaNode {
  $schema?: string;
  $ref?: string;
  title?: string;
  description?: string;
  default?: unknown;
  type?: SimpleType | SimpleType[];
  format?: string;
  minimum?: number;
  minLength?: number;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

/**
 * Keywords the generator understands. Annotation-only keywords (`title`, `description`, `default`,
 * `format`, `minimum`, `minLength`) do not change the generated types; any keyword outside this list
 * makes generation fail, so a new server version cannot slip in semantics we silently ignore.
 */
const KNOWN_KEYWORDS = new Set([
  "$schema",
  "$ref",
  "title",
  "description",
  "default",
  "type",
  "format",
  "minimum",
  "minLength",
  "enum",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "oneOf",
  "anyOf",
  "allOf",
]);

const SIMPLE_TYPES = new Set<string>(["string", "integer", "number", "boolean", "null", "array", "object"]);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export interface SchemaBundle {
  /** Every definition by name, sorted by name. v1 (root) and v2 definitions share one namespace. */
  definitions: ReadonlyMap<string, JsonSchema>;
}

/**
 * The generator cannot handle something in the schema. `path` says where: the definition (or method)
 * first, then the fields and union members down to the node, e.g. `AgentMessageDisplay.oneOf[0].version`.
 */
export class SchemaError extends Error {
  readonly detail: string;
  path: string[];

  constructor(detail: string, path: string[] = []) {
    super(path.length === 0 ? detail : `${path.join("")}: ${detail}`);
    this.detail = detail;
    this.path = path;
  }
}

/**
 * Runs `fn`; a SchemaError thrown inside gets `segment` put in front of its path, so the outermost
 * caller names the definition and each level below names its field (`.turns`, `.oneOf[1]`, `[]`).
 */
export function within<T>(segment: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SchemaError) {
      error.path = [segment, ...error.path];
      error.message = `${error.path.join("")}: ${error.detail}`;
    }
    throw error;
  }
}

/** `.name` for an identifier, `["odd key"]` otherwise: one field in a SchemaError path. */
export function fieldSegment(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** `#/definitions/Foo` and `#/definitions/v2/Foo` both name the definition `Foo`. */
export function refName(ref: string): string {
  const match = /^#\/definitions\/(?:v2\/)?([^/]+)$/.exec(ref);
  if (!match?.[1]) throw new SchemaError(`unsupported $ref ${ref}`);
  return match[1];
}

export function isNode(schema: JsonSchema | undefined): schema is SchemaNode {
  return typeof schema === "object" && schema !== null;
}

export function typesOf(node: SchemaNode): SimpleType[] {
  if (node.type === undefined) return [];
  return Array.isArray(node.type) ? node.type : [node.type];
}

/** Loads the combined bundle (`codex_app_server_protocol.schemas.json`) and checks every node. */
export function loadBundle(raw: unknown): SchemaBundle {
  if (!isRecord(raw) || !isRecord(raw.definitions)) throw new SchemaError("bundle has no definitions");
  const { v2, ...root } = raw.definitions;
  if (!isRecord(v2)) throw new SchemaError("bundle has no v2 definitions");
  const found = new Map<string, { schema: JsonSchema; where: string }>();
  const add = (name: string, schema: unknown, where: string): void => {
    if (!IDENTIFIER.test(name)) throw new SchemaError(`definition name ${where} is not an identifier`);
    const checked = checkSchema(schema, where);
    const previous = found.get(name);
    if (previous === undefined) {
      found.set(name, { schema: checked, where });
      return;
    }
    if (canonical(previous.schema) !== canonical(checked)) {
      throw new SchemaError(`${previous.where} and ${where} differ: the generator needs distinct names`);
    }
  };
  for (const [name, schema] of Object.entries(root)) add(name, schema, `#/definitions/${name}`);
  for (const [name, schema] of Object.entries(v2)) add(name, schema, `#/definitions/v2/${name}`);

  const definitions = new Map<string, JsonSchema>();
  for (const name of [...found.keys()].sort()) definitions.set(name, found.get(name)!.schema);
  for (const [name, schema] of definitions) {
    forEachRef(schema, (ref) => {
      if (!definitions.has(refName(ref))) throw new SchemaError(`${name} refers to missing ${ref}`);
    });
  }
  return { definitions };
}

function checkSchema(value: unknown, where: string): JsonSchema {
  if (typeof value === "boolean") return value;
  if (!isRecord(value)) throw new SchemaError(`${where} is not a schema`);
  for (const key of Object.keys(value)) {
    if (!KNOWN_KEYWORDS.has(key)) throw new SchemaError(`${where} uses unsupported keyword "${key}"`);
  }
  const node = value as SchemaNode;
  for (const t of typesOf(node)) {
    if (!SIMPLE_TYPES.has(t)) throw new SchemaError(`${where} has unknown type ${String(t)}`);
  }
  if (node.$ref !== undefined) refName(node.$ref);
  if (node.properties !== undefined) {
    for (const [key, child] of Object.entries(node.properties))
      checkSchema(child, `${where}.properties.${key}`);
  }
  if (node.items !== undefined) checkSchema(node.items, `${where}.items`);
  if (node.additionalProperties !== undefined) {
    checkSchema(node.additionalProperties, `${where}.additionalProperties`);
  }
  for (const key of ["oneOf", "anyOf", "allOf"] as const) {
    const members = node[key];
    if (members === undefined) continue;
    if (!Array.isArray(members) || members.length === 0) throw new SchemaError(`${where}.${key} is empty`);
    for (const [i, member] of members.entries()) checkSchema(member, `${where}.${key}[${i}]`);
  }
  if (node.enum !== undefined && (!Array.isArray(node.enum) || node.enum.length === 0)) {
    throw new SchemaError(`${where}.enum is empty`);
  }
  for (const value of node.enum ?? []) {
    const scalar =
      value === null ||
      typeof value === "string" ||
      typeof value === "boolean" ||
      (typeof value === "number" && Number.isFinite(value));
    if (!scalar) {
      throw new SchemaError(
        `${where}.enum holds ${JSON.stringify(value)}: only string, number, boolean and null literals are supported`,
      );
    }
  }
  return node;
}

/** Calls `visit` for every `$ref` inside `schema` (not following refs). */
export function forEachRef(schema: JsonSchema, visit: (ref: string) => void): void {
  if (!isNode(schema)) return;
  if (schema.$ref !== undefined) visit(schema.$ref);
  for (const child of Object.values(schema.properties ?? {})) forEachRef(child, visit);
  if (schema.items !== undefined) forEachRef(schema.items, visit);
  if (schema.additionalProperties !== undefined) forEachRef(schema.additionalProperties, visit);
  for (const member of [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])]) {
    forEachRef(member, visit);
  }
}

/** Structural identity, ignoring annotations that do not change what validates. */
function canonical(schema: JsonSchema): string {
  if (!isNode(schema)) return JSON.stringify(schema);
  const { $schema: _s, title: _t, description: _d, ...rest } = schema;
  return stableStringify(rest);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableStringify(value[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON Schema → zod v4 expressions, and the schemas.ts file. */
import {
  fieldSegment,
  forEachRef,
  isNode,
  type JsonSchema,
  refName,
  SchemaError,
  type SchemaNode,
  typesOf,
  within,
} from "./jsonSchema.js";
import {
  discriminatorValue,
  findDiscriminator,
  isInlineObject,
  isObjectWithUnion,
  partitionUnion,
  unionKeyword,
  unionMembers,
} from "./shapes.js";
import { header, literalValue, propertyKey, schemaConstName, stringLiteral } from "./text.js";

export interface ZodRenderOptions {
  /** Definitions that must be referenced through `z.lazy` (members of the cycle being emitted). */
  lazy?: ReadonlySet<string>;
}

/** The zod expression validating `schema`, written at indentation `indent` (in spaces). */
export function renderZod(schema: JsonSchema, indent = 0, options: ZodRenderOptions = {}): string {
  if (schema === true) return "z.unknown()";
  if (schema === false) return "z.never()";
  if (schema.$ref !== undefined) {
    const name = refName(schema.$ref);
    const ref = `schemas.${schemaConstName(name)}`;
    return options.lazy?.has(name) ? `z.lazy(() => ${ref})` : ref;
  }
  if (schema.allOf !== undefined) {
    return schema.allOf
      .map((member, i) => within(`.allOf[${i}]`, () => renderZod(member, indent, options)))
      .reduce((left, right) => `z.intersection(${left}, ${right})`);
  }
  if (unionKeyword(schema) !== undefined) return renderUnion(schema, indent, options);
  if (schema.enum !== undefined) return renderEnum(schema.enum);
  const types = typesOf(schema);
  if (types.length === 0) {
    return schema.properties !== undefined ? renderObject(schema, indent, options) : "z.unknown()";
  }
  const nullable = types.includes("null");
  const parts = types
    .filter((type) => type !== "null")
    .map((type) => {
      switch (type) {
        case "string":
          return "z.string()";
        case "integer":
        case "number":
          return "z.number()";
        case "boolean":
          return "z.boolean()";
        case "array":
          return `z.array(${schema.items === undefined ? "z.unknown()" : within("[]", () => renderZod(schema.items!, indent, options))})`;
        case "object":
          return renderObject(schema, indent, options);
        default:
          throw new SchemaError(`unsupported type ${String(type)}`);
      }
    });
  if (parts.length === 0) return "z.null()";
  return withNull(parts.length === 1 ? parts[0]! : `z.union([${parts.join(", ")}])`, nullable);
}

function withNull(expression: string, nullable: boolean): string {
  return nullable ? `${expression}.nullable()` : expression;
}

function renderLiterals(values: string[]): string {
  if (values.length === 1) return `z.literal(${stringLiteral(values[0]!)})`;
  return `z.enum([${values.map(stringLiteral).join(", ")}])`;
}

function renderEnum(values: unknown[]): string {
  const strings = values.filter((value): value is string => typeof value === "string");
  const scalars = values.filter((value) => typeof value === "number" || typeof value === "boolean");
  const parts = [
    ...(strings.length > 0 ? [renderLiterals(strings)] : []),
    ...scalars.map((value) => `z.literal(${literalValue(value)})`),
  ];
  if (parts.length === 0) return "z.null()";
  return withNull(parts.length === 1 ? parts[0]! : `z.union([${parts.join(", ")}])`, values.includes(null));
}

function renderUnion(node: SchemaNode, indent: number, options: ZodRenderOptions): string {
  const all = unionMembers(node);
  const { literals, hasNull, others } = partitionUnion(all);
  const at = memberSegment(node, all);
  const parts: string[] = [];
  if (literals.length > 0) parts.push(renderLiterals(literals));
  const objects: JsonSchema[] = others.filter(
    (member) => isInlineObject(member) || isObjectWithUnion(member),
  );
  const discriminator = objects.length >= 2 ? findDiscriminator(objects) : undefined;
  if (discriminator !== undefined) {
    const inner = " ".repeat(indent + 2);
    const members = objects.map(
      (member) =>
        `${inner}${within(at(member), () => renderOption(member, discriminator, indent + 2, options))},\n`,
    );
    parts.push(
      `z.discriminatedUnion(${stringLiteral(discriminator)}, [\n${members.join("")}${" ".repeat(indent)}])`,
    );
    for (const member of others)
      if (!objects.includes(member)) parts.push(within(at(member), () => renderZod(member, indent, options)));
  } else {
    for (const member of others) parts.push(within(at(member), () => renderZod(member, indent, options)));
  }
  if (parts.length === 0) return "z.null()";
  if (parts.length === 1) return withNull(parts[0]!, hasNull);
  const inner = " ".repeat(indent + 2);
  return withNull(
    `z.union([\n${parts.map((part) => `${inner}${part},\n`).join("")}${" ".repeat(indent)}])`,
    hasNull,
  );
}

/** Names a union member in a SchemaError path: `.oneOf[2]`, by its place among the schema's members. */
export function memberSegment(node: SchemaNode, members: JsonSchema[]): (member: JsonSchema) => string {
  const keyword = node.oneOf !== undefined ? "oneOf" : "anyOf";
  return (member) => `.${keyword}[${members.indexOf(member)}]`;
}

/**
 * One option of a discriminated union. An option that is itself a union sharing one discriminator value
 * (e.g. an image input given by URL or by file id) is written as a check of the discriminator piped into
 * the union: zod's discriminated unions accept objects and pipes, not plain unions.
 */
function renderOption(
  member: JsonSchema,
  discriminator: string,
  indent: number,
  options: ZodRenderOptions,
): string {
  if (!isObjectWithUnion(member)) return renderZod(member, indent, options);
  const value = discriminatorValue(member, discriminator)!;
  const nested = unionMembers(member);
  const inner = " ".repeat(indent + 2);
  const body = nested.map((option) => `${inner}${renderZod(option, indent + 2, options)},\n`).join("");
  return `z.looseObject({ ${propertyKey(discriminator)}: z.literal(${stringLiteral(value)}) }).pipe(z.union([\n${body}${" ".repeat(indent)}]))`;
}

function renderObject(node: SchemaNode, indent: number, options: ZodRenderOptions): string {
  const properties = Object.entries(node.properties ?? {});
  const extra = node.additionalProperties;
  if (properties.length === 0) {
    if (extra === false) return "z.strictObject({})";
    if (extra === undefined || extra === true) return "z.record(z.string(), z.unknown())";
    return `z.record(z.string(), ${within("{}", () => renderZod(extra, indent, options))})`;
  }
  if (isNode(extra))
    throw new SchemaError("objects with both properties and typed extra keys are unsupported");
  const inner = " ".repeat(indent + 2);
  const required = new Set(node.required ?? []);
  const lines = properties.map(([key, value]) => {
    const expression = within(fieldSegment(key), () => renderZod(value, indent + 2, options));
    return `${inner}${propertyKey(key)}: ${expression}${required.has(key) ? "" : ".optional()"},\n`;
  });
  // Unknown keys are accepted (the server may add fields) unless the schema forbids them.
  const factory = extra === false ? "z.strictObject" : "z.looseObject";
  return `${factory}({\n${lines.join("")}${" ".repeat(indent)}})`;
}

/**
 * Definitions in dependency order (Tarjan's strongly connected components come out dependencies
 * first), with the cycle each belongs to. References inside a cycle go through `z.lazy`.
 */
export function orderDefinitions(
  definitions: ReadonlyMap<string, JsonSchema>,
): Array<{ name: string; cycle: ReadonlySet<string> | undefined }> {
  const edges = new Map<string, string[]>();
  for (const [name, schema] of definitions) {
    const targets = new Set<string>();
    forEachRef(schema, (ref) => targets.add(refName(ref)));
    edges.set(name, [...targets].sort());
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const ordered: Array<{ name: string; cycle: ReadonlySet<string> | undefined }> = [];
  let counter = 0;
  const visit = (name: string): void => {
    index.set(name, counter);
    low.set(name, counter);
    counter++;
    stack.push(name);
    onStack.add(name);
    for (const target of edges.get(name) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(name, Math.min(low.get(name)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(name, Math.min(low.get(name)!, index.get(target)!));
      }
    }
    if (low.get(name) !== index.get(name)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== name);
    component.sort();
    const cyclic = component.length > 1 || (edges.get(name) ?? []).includes(name);
    const cycle = cyclic ? new Set(component) : undefined;
    for (const each of component) ordered.push({ name: each, cycle });
  };
  for (const name of definitions.keys()) if (!index.has(name)) visit(name);
  return ordered;
}

export interface SchemasFileOptions {
  /**
   * `cast` (src/generated/schemas.ts): each schema is cast to `z.ZodType<T.X>`, which keeps type
   * checking of every package that imports the protocol fast. `checked` (written by the type-test
   * preparation script): the same expressions with the annotation checked by the compiler, which
   * proves each schema's output type is the generated type.
   */
  mode: "cast" | "checked";
  /** Module specifier of the generated types. */
  typesModule: string;
}

/** `schemas.ts`: one zod schema per definition, typed as its generated type, built on first use. */
export function emitSchemasFile(
  definitions: ReadonlyMap<string, JsonSchema>,
  version: string,
  options: SchemasFileOptions,
): string {
  const cycles = new Map(orderDefinitions(definitions).map(({ name, cycle }) => [name, cycle]));
  const names = [...definitions.keys()];
  const fields = names.map((name) => `  readonly ${schemaConstName(name)}: z.ZodType<T.${name}>;\n`);
  const getters = names.map((name) => {
    const cycle = cycles.get(name);
    const expression = within(name, () => renderZod(definitions.get(name)!, 4, cycle ? { lazy: cycle } : {}));
    const constName = schemaConstName(name);
    const type = `z.ZodType<T.${name}>`;
    return options.mode === "checked"
      ? `  get ${constName}(): ${type} {\n    return define(schemas, "${constName}", ${expression});\n  },\n`
      : `  get ${constName}() {\n    return define(schemas, "${constName}", ${expression} as unknown as ${type});\n  },\n`;
  });
  return [
    header(version),
    "/* zod schemas for every wire type. Objects accept unknown keys unless the schema forbids them, and\n",
    " * no schema transforms or defaults: a successful parse means the original value already has the\n",
    " * generated type. Each schema is built the first time it is read (a getter that replaces itself with\n",
    " * the schema), so importing this module builds none; references inside a cycle go through `z.lazy`.\n",
    " * Each schema is cast to its type here; the package's typecheck compiles the same expressions with\n",
    " * checked annotations (scripts/prepare-type-tests.ts). */\n",
    'import { z } from "zod";\n',
    `import type * as T from "${options.typesModule}";\n\n`,
    "/** One zod schema per wire type, named after it: `schemas.ThreadSchema` validates a `Thread`. */\n",
    `export interface WireSchemas {\n${fields.join("")}}\n\n`,
    "function define<V>(target: object, key: string, value: V): V {\n",
    "  Object.defineProperty(target, key, { value, enumerable: true });\n",
    "  return value;\n",
    "}\n\n",
    "/** Every wire type's zod schema, each built on first read. */\n",
    `export const schemas: WireSchemas = {\n${getters.join("")}};\n`,
  ].join("");
}

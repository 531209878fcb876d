/** JSON Schema → zod v4 expressions, and the schemas.ts file. */
import {
  forEachRef,
  isNode,
  type JsonSchema,
  refName,
  SchemaError,
  type SchemaNode,
  typesOf,
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
import { header, propertyKey, schemaConstName, stringLiteral } from "./text.js";

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
    return options.lazy?.has(name) ? `z.lazy(() => ${schemaConstName(name)})` : schemaConstName(name);
  }
  if (schema.allOf !== undefined) {
    return schema.allOf
      .map((member) => renderZod(member, indent, options))
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
          return `z.array(${schema.items === undefined ? "z.unknown()" : renderZod(schema.items, indent, options)})`;
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
  const others = values.filter((value) => typeof value !== "string" && value !== null);
  if (others.length > 0)
    throw new SchemaError(`non-string enum values are unsupported: ${JSON.stringify(values)}`);
  if (strings.length === 0) return "z.null()";
  return withNull(renderLiterals(strings), values.includes(null));
}

function renderUnion(node: SchemaNode, indent: number, options: ZodRenderOptions): string {
  const { literals, hasNull, others } = partitionUnion(unionMembers(node));
  const parts: string[] = [];
  if (literals.length > 0) parts.push(renderLiterals(literals));
  const objects: JsonSchema[] = others.filter(
    (member) => isInlineObject(member) || isObjectWithUnion(member),
  );
  const discriminator = objects.length >= 2 ? findDiscriminator(objects) : undefined;
  if (discriminator !== undefined) {
    const inner = " ".repeat(indent + 2);
    const members = objects.map(
      (member) => `${inner}${renderOption(member, discriminator, indent + 2, options)},\n`,
    );
    parts.push(
      `z.discriminatedUnion(${stringLiteral(discriminator)}, [\n${members.join("")}${" ".repeat(indent)}])`,
    );
    for (const member of others)
      if (!objects.includes(member)) parts.push(renderZod(member, indent, options));
  } else {
    for (const member of others) parts.push(renderZod(member, indent, options));
  }
  if (parts.length === 0) return "z.null()";
  if (parts.length === 1) return withNull(parts[0]!, hasNull);
  const inner = " ".repeat(indent + 2);
  return withNull(
    `z.union([\n${parts.map((part) => `${inner}${part},\n`).join("")}${" ".repeat(indent)}])`,
    hasNull,
  );
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
    return `z.record(z.string(), ${renderZod(extra, indent, options)})`;
  }
  if (isNode(extra))
    throw new SchemaError("objects with both properties and typed extra keys are unsupported");
  const inner = " ".repeat(indent + 2);
  const required = new Set(node.required ?? []);
  const lines = properties.map(([key, value]) => {
    const expression = renderZod(value, indent + 2, options);
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

/** `schemas.ts`: one zod schema per definition, typed as its generated type. */
export function emitSchemasFile(
  definitions: ReadonlyMap<string, JsonSchema>,
  version: string,
  options: SchemasFileOptions,
): string {
  const blocks = orderDefinitions(definitions).map(({ name, cycle }) => {
    const expression = renderZod(definitions.get(name)!, 0, cycle ? { lazy: cycle } : {});
    const type = `z.ZodType<T.${name}>`;
    return options.mode === "checked"
      ? `export const ${schemaConstName(name)}: ${type} = ${expression};\n`
      : `export const ${schemaConstName(name)} = ${expression} as unknown as ${type};\n`;
  });
  return [
    header(version),
    "/* zod schemas for every wire type, in dependency order. Objects accept unknown keys unless the\n",
    " * schema forbids them, and no schema transforms or defaults: a successful parse means the original\n",
    " * value already has the generated type. Each schema is cast to its type here; the package's\n",
    " * typecheck compiles the same expressions with checked annotations (scripts/prepare-type-tests.ts). */\n",
    'import { z } from "zod";\n',
    `import type * as T from "${options.typesModule}";\n\n`,
    blocks.join("\n"),
  ].join("");
}

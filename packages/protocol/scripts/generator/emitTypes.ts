/** JSON Schema → TypeScript type expressions, and the types.ts file. */

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
import { partitionUnion, unionKeyword, unionMembers } from "./shapes.js";
import { header, jsdoc, propertyKey, stringLiteral } from "./text.js";

/** Operator precedence of a rendered type: unions bind loosest. */
const Prec = { Union: 0, Intersection: 1, Atom: 2 } as const;
type Prec = (typeof Prec)[keyof typeof Prec];

interface Rendered {
  text: string;
  prec: Prec;
}

export interface TypeRenderOptions {
  /** Prefix for references to definitions, e.g. `T.` when types are imported as a namespace. */
  refPrefix?: string;
}

const SIMPLE_ARRAY_ITEM = /^[A-Za-z_$][A-Za-z0-9_$.]*$/;

/** The TypeScript type for `schema`, written at indentation `indent` (in spaces). */
export function renderType(schema: JsonSchema, indent = 0, options: TypeRenderOptions = {}): string {
  return render(schema, indent, options).text;
}

function atom(text: string): Rendered {
  return { text, prec: Prec.Atom };
}

function join(parts: Rendered[], operator: " | " | " & "): Rendered {
  if (parts.length === 1) return parts[0]!;
  const prec = operator === " | " ? Prec.Union : Prec.Intersection;
  const texts = parts.map((part) => (part.prec < prec ? `(${part.text})` : part.text));
  return { text: [...new Set(texts)].join(operator), prec };
}

function render(schema: JsonSchema, indent: number, options: TypeRenderOptions): Rendered {
  if (schema === true) return atom("unknown");
  if (schema === false) return atom("never");
  if (schema.$ref !== undefined) return atom(`${options.refPrefix ?? ""}${refName(schema.$ref)}`);
  if (schema.allOf !== undefined) {
    return join(
      schema.allOf.map((member) => render(member, indent, options)),
      " & ",
    );
  }
  if (unionKeyword(schema) !== undefined) return renderUnion(schema, indent, options);
  if (schema.enum !== undefined) {
    return join(
      schema.enum.map((value) => atom(value === null ? "null" : JSON.stringify(value))),
      " | ",
    );
  }
  const types = typesOf(schema);
  if (types.length === 0) {
    return schema.properties !== undefined ? renderObject(schema, indent, options) : atom("unknown");
  }
  return join(
    types.map((type): Rendered => {
      switch (type) {
        case "string":
          return atom("string");
        case "integer":
        case "number":
          return atom("number");
        case "boolean":
          return atom("boolean");
        case "null":
          return atom("null");
        case "array":
          return renderArray(schema, indent, options);
        case "object":
          return renderObject(schema, indent, options);
        default:
          throw new SchemaError(`unsupported type ${String(type)}`);
      }
    }),
    " | ",
  );
}

function renderUnion(node: SchemaNode, indent: number, options: TypeRenderOptions): Rendered {
  const all = unionMembers(node);
  const at = memberSegment(node, all);
  const { literals, hasNull, others } = partitionUnion(all);
  const parts = [
    ...literals.map((value) => atom(stringLiteral(value))),
    ...others.map((member) => within(at(member), () => render(member, indent, options))),
    ...(hasNull ? [atom("null")] : []),
  ];
  return join(parts, " | ");
}

function renderArray(node: SchemaNode, indent: number, options: TypeRenderOptions): Rendered {
  if (node.items === undefined) return atom("unknown[]");
  const items = node.items;
  const item = within("[]", () => render(items, indent, options));
  return atom(SIMPLE_ARRAY_ITEM.test(item.text) ? `${item.text}[]` : `Array<${item.text}>`);
}

function renderObject(node: SchemaNode, indent: number, options: TypeRenderOptions): Rendered {
  const properties = Object.entries(node.properties ?? {});
  const extra = node.additionalProperties;
  if (properties.length === 0) {
    // `{ type: "object" }` with nothing else is both how schemars writes an empty struct and how it
    // writes some maps (AppToolsConfig), so it is typed as what it validates: any object.
    if (extra === false) return atom("Record<string, never>");
    if (extra === undefined || extra === true) return atom("{ [key: string]: unknown }");
    return atom(`{ [key: string]: ${within("{}", () => render(extra, indent, options).text)} }`);
  }
  if (isNode(extra))
    throw new SchemaError("objects with both properties and typed extra keys are unsupported");
  const inner = " ".repeat(indent + 2);
  const required = new Set(node.required ?? []);
  const lines = properties.map(([key, value]) => {
    const optional = required.has(key) ? "" : "?";
    const doc = jsdoc(isNode(value) ? value.description : undefined, inner);
    const type = within(fieldSegment(key), () => render(value, indent + 2, options).text);
    return `${doc}${inner}${propertyKey(key)}${optional}: ${type};\n`;
  });
  if (extra === true) lines.push(`${inner}[key: string]: unknown;\n`);
  return atom(`{\n${lines.join("")}${" ".repeat(indent)}}`);
}

/** `types.ts`: one exported type alias per definition, in name order. */
export function emitTypesFile(definitions: ReadonlyMap<string, JsonSchema>, version: string): string {
  const blocks = [...definitions].map(([name, schema]) => {
    const doc = jsdoc(isNode(schema) ? schema.description : undefined, "");
    return `${doc}export type ${name} = ${within(name, () => renderType(schema, 0))};\n`;
  });
  return `${header(version)}/* Wire types of the Codex app-server protocol, one per JSON Schema definition. */\n\n${blocks.join("\n")}`;
}

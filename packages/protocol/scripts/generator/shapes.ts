/** Shape analysis shared by the type and schema emitters. */
import { isNode, type JsonSchema, SchemaError, type SchemaNode, typesOf } from "./jsonSchema.js";

const STRUCTURAL = [
  "$ref",
  "type",
  "enum",
  "properties",
  "additionalProperties",
  "items",
  "oneOf",
  "anyOf",
  "allOf",
];

export function unionKeyword(node: SchemaNode): "oneOf" | "anyOf" | undefined {
  if (node.oneOf !== undefined && node.anyOf !== undefined) {
    throw new SchemaError("a schema with both oneOf and anyOf is not supported");
  }
  if (node.oneOf !== undefined) return "oneOf";
  if (node.anyOf !== undefined) return "anyOf";
  return undefined;
}

/** `{ type: "null" }` and nothing else that constrains. */
function isNullSchema(schema: JsonSchema): boolean {
  return isNode(schema) && schema.type === "null" && schema.enum === undefined;
}

/** `{ type: "string", enum: [...] }`: its values, else undefined. */
function stringEnumValues(schema: JsonSchema): string[] | undefined {
  if (!isNode(schema) || schema.enum === undefined) return undefined;
  if (schema.type !== "string" && schema.type !== undefined) return undefined;
  if (STRUCTURAL.some((key) => key !== "type" && key !== "enum" && key in schema)) return undefined;
  if (!schema.enum.every((value): value is string => typeof value === "string")) return undefined;
  return schema.enum;
}

/** An object written out in place: properties and no union, reference or intersection. */
export function isInlineObject(schema: JsonSchema): schema is SchemaNode {
  if (!isNode(schema)) return false;
  if (schema.$ref !== undefined || schema.enum !== undefined) return false;
  if (schema.oneOf !== undefined || schema.anyOf !== undefined || schema.allOf !== undefined) return false;
  const types = typesOf(schema);
  return (
    (types.length === 1 && types[0] === "object") || (types.length === 0 && schema.properties !== undefined)
  );
}

/** An object with shared properties and a union of variants (`{ properties, oneOf }`). */
export function isObjectWithUnion(schema: JsonSchema): schema is SchemaNode {
  return (
    isNode(schema) &&
    unionKeyword(schema) !== undefined &&
    (schema.properties !== undefined || schema.type === "object") &&
    schema.$ref === undefined
  );
}

/**
 * The members of a union schema. When the schema also has its own properties (ThreadItem's lifecycle
 * times, UserInput's image variant), those are merged into every member: `Base & (A | B)` becomes
 * `(Base & A) | (Base & B)` with each member a single plain object, which keeps discriminated unions
 * possible.
 */
export function unionMembers(node: SchemaNode): JsonSchema[] {
  const keyword = unionKeyword(node);
  if (keyword === undefined) throw new SchemaError("not a union");
  const members = node[keyword]!;
  if (!isObjectWithUnion(node)) return members;
  const base: SchemaNode = {
    type: "object",
    properties: node.properties ?? {},
    required: node.required ?? [],
    ...(node.additionalProperties === undefined ? {} : { additionalProperties: node.additionalProperties }),
  };
  return members.map((member) => mergeObject(base, member));
}

function mergeObject(base: SchemaNode, member: JsonSchema): SchemaNode {
  if (!isInlineObject(member) && !isObjectWithUnion(member)) {
    throw new SchemaError(`cannot merge shared properties into a union member ${JSON.stringify(member)}`);
  }
  const properties = { ...base.properties };
  for (const [key, value] of Object.entries(member.properties ?? {})) {
    const existing = properties[key];
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(value)) {
      throw new SchemaError(`union member redefines shared property ${key}`);
    }
    properties[key] = value;
  }
  const required = [...new Set([...(base.required ?? []), ...(member.required ?? [])])];
  const additionalProperties = member.additionalProperties ?? base.additionalProperties;
  const merged: SchemaNode = {
    ...member,
    type: "object",
    properties,
    required,
    ...(additionalProperties === undefined ? {} : { additionalProperties }),
  };
  return merged;
}

/** The single value a member pins `key` to (a required one-value enum), through nested unions. */
export function discriminatorValue(member: JsonSchema, key: string): string | undefined {
  if (isObjectWithUnion(member)) {
    const values = new Set(unionMembers(member).map((nested) => discriminatorValue(nested, key)));
    const [only] = values;
    return values.size === 1 ? only : undefined;
  }
  if (!isInlineObject(member)) return undefined;
  if (!member.required?.includes(key)) return undefined;
  const values = stringEnumValues(member.properties?.[key] ?? false);
  return values?.length === 1 ? values[0] : undefined;
}

const PREFERRED_DISCRIMINATORS = ["type", "method", "kind", "mode"];

/**
 * A property every member pins to its own distinct single value, so a validator can pick the member
 * by one lookup. Returns undefined when there is none.
 */
export function findDiscriminator(members: JsonSchema[]): string | undefined {
  if (members.length < 2) return undefined;
  const candidates = new Set<string>();
  for (const member of members) {
    const keys = isNode(member) ? Object.keys(member.properties ?? {}) : [];
    if (isObjectWithUnion(member)) {
      for (const nested of unionMembers(member)) {
        for (const key of isNode(nested) ? Object.keys(nested.properties ?? {}) : []) candidates.add(key);
      }
    }
    for (const key of keys) candidates.add(key);
  }
  const ordered = [
    ...PREFERRED_DISCRIMINATORS.filter((key) => candidates.has(key)),
    ...[...candidates].filter((key) => !PREFERRED_DISCRIMINATORS.includes(key)).sort(),
  ];
  for (const key of ordered) {
    const values = members.map((member) => discriminatorValue(member, key));
    if (values.some((value) => value === undefined)) continue;
    if (new Set(values).size !== values.length) continue;
    return key;
  }
  return undefined;
}

/** Splits union members into string literals, a `null` member, and everything else, in order. */
export function partitionUnion(members: JsonSchema[]): {
  literals: string[];
  hasNull: boolean;
  others: JsonSchema[];
} {
  const literals: string[] = [];
  const others: JsonSchema[] = [];
  let hasNull = false;
  for (const member of members) {
    const values = stringEnumValues(member);
    if (values !== undefined) literals.push(...values.filter((value) => !literals.includes(value)));
    else if (isNullSchema(member)) hasNull = true;
    else others.push(member);
  }
  return { literals, hasNull, others };
}

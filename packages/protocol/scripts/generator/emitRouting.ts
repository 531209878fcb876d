/** routing.ts: where each server message's thread id and turn id live in its params. */
import {
  isNode,
  type JsonSchema,
  refName,
  type SchemaBundle,
  SchemaError,
  type SchemaNode,
  typesOf,
} from "./jsonSchema.js";
import type { MethodEntry, ProtocolMethods } from "./protocolMethods.js";
import { partitionUnion, unionKeyword } from "./shapes.js";
import { header, stringLiteral } from "./text.js";

export interface RouteEntry {
  method: string;
  threadId: string[] | undefined;
  turnId: string[] | undefined;
}

function resolve(schema: JsonSchema | undefined, bundle: SchemaBundle): JsonSchema | undefined {
  let current = schema;
  for (let depth = 0; depth < 16; depth++) {
    if (!isNode(current)) return current;
    if (current.$ref !== undefined) current = bundle.definitions.get(refName(current.$ref));
    else if (current.allOf?.length === 1) current = current.allOf[0];
    else return current;
  }
  throw new SchemaError("reference chain too deep");
}

/** A string, possibly nullable: the shape of an id. */
function isStringish(schema: JsonSchema | undefined, bundle: SchemaBundle): boolean {
  const node = resolve(schema, bundle);
  if (!isNode(node)) return false;
  if (unionKeyword(node) !== undefined) {
    const { others, literals } = partitionUnion(node.oneOf ?? node.anyOf ?? []);
    return literals.length === 0 && others.length === 1 && isStringish(others[0], bundle);
  }
  const types = typesOf(node).filter((type) => type !== "null");
  return types.length === 1 && types[0] === "string" && node.enum === undefined;
}

function objectOf(schema: JsonSchema | undefined, bundle: SchemaBundle): SchemaNode | undefined {
  const node = resolve(schema, bundle);
  return isNode(node) && node.properties !== undefined ? node : undefined;
}

/** `xId` when params carry it, else `x.id` when params carry an `x` object with an id. */
function findPath(params: SchemaNode, name: "thread" | "turn", bundle: SchemaBundle): string[] | undefined {
  const properties = params.properties ?? {};
  if (isStringish(properties[`${name}Id`], bundle)) return [`${name}Id`];
  // Legacy v1 requests (execCommandApproval, applyPatchApproval) name the thread a conversation.
  if (name === "thread" && isStringish(properties.conversationId, bundle)) return ["conversationId"];
  const nested = objectOf(properties[name], bundle);
  if (nested?.required?.includes("id") && isStringish(nested.properties?.id, bundle)) return [name, "id"];
  return undefined;
}

export function computeRoutes(methods: ProtocolMethods, bundle: SchemaBundle): RouteEntry[] {
  const entries: MethodEntry[] = [...methods.serverNotifications, ...methods.serverRequests];
  const seen = new Set<string>();
  const routes: RouteEntry[] = [];
  for (const entry of entries) {
    if (seen.has(entry.method))
      throw new SchemaError(`${entry.method} is both a server request and a notification`);
    seen.add(entry.method);
    const params = objectOf(entry.params, bundle);
    if (params === undefined) continue;
    const threadId = findPath(params, "thread", bundle);
    const turnId = findPath(params, "turn", bundle);
    if (threadId !== undefined || turnId !== undefined)
      routes.push({ method: entry.method, threadId, turnId });
  }
  return routes;
}

export function emitRoutingFile(routes: RouteEntry[], version: string): string {
  const path = (keys: string[]): string => `[${keys.map(stringLiteral).join(", ")}]`;
  const lines = routes.map((route) => {
    const fields = [
      ...(route.threadId ? [`threadId: ${path(route.threadId)}`] : []),
      ...(route.turnId ? [`turnId: ${path(route.turnId)}`] : []),
    ];
    return `  [${stringLiteral(route.method)}, { ${fields.join(", ")} }],\n`;
  });
  return [
    header(version),
    "/* Where the thread id and turn id of each server notification and server request live in its params,\n",
    " * as key paths. Methods whose params carry neither are absent. */\n\n",
    "/** Key paths into a message's params. */\n",
    "export interface RoutePaths {\n",
    "  readonly threadId?: readonly string[];\n",
    "  readonly turnId?: readonly string[];\n",
    "}\n\n",
    "/** Route paths of every server notification and server request that names a thread or turn. */\n",
    "export const SERVER_MESSAGE_ROUTES: ReadonlyMap<string, RoutePaths> = new Map<string, RoutePaths>([\n",
    lines.join(""),
    "]);\n",
  ].join("");
}

/** methods.ts: typed method maps, method-name lists and the runtime schema tables keyed by method. */

import { renderZod } from "./emitSchemas.js";
import { renderType } from "./emitTypes.js";
import { forEachRef, type JsonSchema, refName, within } from "./jsonSchema.js";
import type { MethodEntry, ProtocolMethods } from "./protocolMethods.js";
import { header, jsdoc, schemaConstName, stringLiteral } from "./text.js";

function paramsType(entry: MethodEntry): string {
  if (entry.params === undefined) return "undefined";
  const type = renderType(entry.params, 2);
  return entry.paramsRequired ? type : `${type} | undefined`;
}

function paramsSchema(entry: MethodEntry): string {
  if (entry.params === undefined) return "z.undefined()";
  const params = entry.params;
  const schema = within(`${entry.method}.params`, () => renderZod(params, 4));
  return entry.paramsRequired ? schema : `${schema}.optional()`;
}

function resultSchema(entry: MethodEntry): string {
  return entry.result === undefined ? "z.unknown()" : `schemas.${schemaConstName(entry.result)}`;
}

function mapType(name: string, doc: string, entries: MethodEntry[], withResult: boolean): string {
  const lines = entries.map((entry) => {
    const value = withResult
      ? `{ params: ${paramsType(entry)}; result: ${entry.result ?? "unknown"} }`
      : paramsType(entry);
    return `${jsdoc(entry.description, "  ")}  ${stringLiteral(entry.method)}: ${value};\n`;
  });
  return `${jsdoc(doc, "")}export type ${name} = {\n${lines.join("")}};\n`;
}

function methodList(constName: string, typeName: string, mapName: string, entries: MethodEntry[]): string {
  const items = entries.map((entry) => `  ${stringLiteral(entry.method)},\n`).join("");
  return (
    `export const ${constName} = [\n${items}] as const satisfies readonly (keyof ${mapName})[];\n` +
    `export type ${typeName} = keyof ${mapName};\n`
  );
}

function schemaTable(
  constName: string,
  localName: string,
  mapName: string,
  methodType: string,
  entries: MethodEntry[],
  withResult: boolean,
  doc: string,
): string {
  const lines = entries.map((entry) => {
    const value = withResult
      ? `{\n    params: () => ${paramsSchema(entry)},\n    result: () => ${resultSchema(entry)},\n  }`
      : `() => ${paramsSchema(entry)}`;
    return `  ${stringLiteral(entry.method)}: ${value},\n`;
  });
  const shape = withResult
    ? `{ readonly [M in ${methodType}]: { readonly params: () => z.ZodType<${mapName}[M]["params"]>; readonly result: () => z.ZodType<${mapName}[M]["result"]> } }`
    : `{ readonly [M in ${methodType}]: () => z.ZodType<${mapName}[M]> }`;
  const valueType = withResult ? "RequestSchemas" : "z.ZodType";
  const build = withResult ? "requestSchemaMap" : "schemaMap";
  return (
    `const ${localName} = {\n${lines.join("")}} satisfies ${shape};\n\n` +
    `${jsdoc(doc, "")}export const ${constName}: ReadonlyMap<string, ${valueType}> = ${build}(${localName});\n`
  );
}

function collectRefs(schemas: Array<JsonSchema | undefined>): string[] {
  const names = new Set<string>();
  for (const schema of schemas)
    if (schema !== undefined) forEachRef(schema, (ref) => names.add(refName(ref)));
  return [...names];
}

export function emitMethodsFile(methods: ProtocolMethods, version: string): string {
  const all = [
    ...methods.clientRequests,
    ...methods.clientNotifications,
    ...methods.serverRequests,
    ...methods.serverNotifications,
  ];
  const refs = collectRefs(all.map((entry) => entry.params));
  const resultNames = all.flatMap((entry) => (entry.result === undefined ? [] : [entry.result]));
  const typeNames = [...new Set([...refs, ...resultNames])].sort();

  return [
    header(version),
    "/* Method maps: every method of the protocol with its params and result types, the method names as\n",
    " * `as const` lists. No runtime dependency: the zod tables keyed by method are in schemaTables.ts. */\n",
    `import type {\n${typeNames.map((name) => `  ${name},\n`).join("")}} from "./types.js";\n\n`,
    mapType(
      "ClientRequestMap",
      "Requests a client sends to the server: method → params and result.",
      methods.clientRequests,
      true,
    ),
    "\n",
    methodList("CLIENT_REQUEST_METHODS", "ClientRequestMethod", "ClientRequestMap", methods.clientRequests),
    'export type ClientRequestParams<M extends ClientRequestMethod> = ClientRequestMap[M]["params"];\n',
    'export type ClientRequestResult<M extends ClientRequestMethod> = ClientRequestMap[M]["result"];\n\n',
    mapType(
      "ClientNotificationMap",
      "Notifications a client sends to the server: method → params.",
      methods.clientNotifications,
      false,
    ),
    "\n",
    methodList(
      "CLIENT_NOTIFICATION_METHODS",
      "ClientNotificationMethod",
      "ClientNotificationMap",
      methods.clientNotifications,
    ),
    "\n",
    mapType(
      "ServerRequestMap",
      "Requests the server sends to a client (approvals, user input, tool calls): method → params and result.",
      methods.serverRequests,
      true,
    ),
    "\n",
    methodList("SERVER_REQUEST_METHODS", "ServerRequestMethod", "ServerRequestMap", methods.serverRequests),
    'export type ServerRequestParams<M extends ServerRequestMethod> = ServerRequestMap[M]["params"];\n',
    'export type ServerRequestResult<M extends ServerRequestMethod> = ServerRequestMap[M]["result"];\n\n',
    mapType(
      "ServerNotificationMap",
      "Notifications the server sends to a client: method → params.",
      methods.serverNotifications,
      false,
    ),
    "\n",
    methodList(
      "SERVER_NOTIFICATION_METHODS",
      "ServerNotificationMethod",
      "ServerNotificationMap",
      methods.serverNotifications,
    ),
    "export type ServerNotificationParams<M extends ServerNotificationMethod> = ServerNotificationMap[M];\n\n",
  ].join("");
}

/** `schemaTables.ts`: the zod schema tables a validator looks up by method, each entry built on first use. */
export function emitSchemaTablesFile(methods: ProtocolMethods, version: string): string {
  return [
    header(version),
    "/* The params and result schemas of every method, by method. Each entry builds its schemas on first\n",
    " * use; importing this module (and zod) is what `loadSchemas()` does. */\n",
    'import { z } from "zod";\n',
    'import { type RequestSchemas, requestSchemaMap, schemaMap } from "../lazySchemas.js";\n',
    "import type {\n",
    "  ClientNotificationMap,\n",
    "  ClientNotificationMethod,\n",
    "  ClientRequestMap,\n",
    "  ClientRequestMethod,\n",
    "  ServerNotificationMap,\n",
    "  ServerNotificationMethod,\n",
    "  ServerRequestMap,\n",
    "  ServerRequestMethod,\n",
    '} from "./methods.js";\n',
    'import { schemas } from "./schemas.js";\n\n',
    schemaTable(
      "CLIENT_REQUEST_SCHEMAS",
      "clientRequestSchemas",
      "ClientRequestMap",
      "ClientRequestMethod",
      methods.clientRequests,
      true,
      "Params and result schemas of every client request, by method.",
    ),
    "\n",
    schemaTable(
      "CLIENT_NOTIFICATION_SCHEMAS",
      "clientNotificationSchemas",
      "ClientNotificationMap",
      "ClientNotificationMethod",
      methods.clientNotifications,
      false,
      "Params schemas of every client notification, by method.",
    ),
    "\n",
    schemaTable(
      "SERVER_REQUEST_SCHEMAS",
      "serverRequestSchemas",
      "ServerRequestMap",
      "ServerRequestMethod",
      methods.serverRequests,
      true,
      "Params and result schemas of every server request, by method.",
    ),
    "\n",
    schemaTable(
      "SERVER_NOTIFICATION_SCHEMAS",
      "serverNotificationSchemas",
      "ServerNotificationMap",
      "ServerNotificationMethod",
      methods.serverNotifications,
      false,
      "Params schemas of every server notification, by method.",
    ),
  ].join("");
}

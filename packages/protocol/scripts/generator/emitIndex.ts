/** index.ts of src/generated: every generated name, listed explicitly. */
import { header } from "./text.js";

const METHOD_TYPE_EXPORTS = [
  "ClientNotificationMap",
  "ClientNotificationMethod",
  "ClientRequestMap",
  "ClientRequestMethod",
  "ClientRequestParams",
  "ClientRequestResult",
  "RequestSchemas",
  "ServerNotificationMap",
  "ServerNotificationMethod",
  "ServerNotificationParams",
  "ServerRequestMap",
  "ServerRequestMethod",
  "ServerRequestParams",
  "ServerRequestResult",
];

const METHOD_VALUE_EXPORTS = [
  "CLIENT_NOTIFICATION_METHODS",
  "CLIENT_NOTIFICATION_SCHEMAS",
  "CLIENT_REQUEST_METHODS",
  "CLIENT_REQUEST_SCHEMAS",
  "SERVER_NOTIFICATION_METHODS",
  "SERVER_NOTIFICATION_SCHEMAS",
  "SERVER_REQUEST_METHODS",
  "SERVER_REQUEST_SCHEMAS",
];

function list(keyword: "export type" | "export", names: string[], from: string): string {
  return `${keyword} {\n${names.map((name) => `  ${name},\n`).join("")}} from "${from}";\n`;
}

export function emitIndexFile(definitionNames: string[], version: string): string {
  return [
    header(version),
    list("export type", definitionNames, "./types.js"),
    "/** One zod schema per wire type, named after it: `schemas.ThreadSchema` validates a `Thread`. */\n",
    'export * as schemas from "./schemas.js";\n',
    list("export type", METHOD_TYPE_EXPORTS, "./methods.js"),
    list("export", METHOD_VALUE_EXPORTS, "./methods.js"),
    list("export type", ["RoutePaths"], "./routing.js"),
    list("export", ["SERVER_MESSAGE_ROUTES"], "./routing.js"),
  ].join("");
}

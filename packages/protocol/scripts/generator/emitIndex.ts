/**
 * index.ts of src/generated: the generated names of the package root, listed explicitly. Nothing here
 * imports zod: the zod schemas (schemas.ts, schemaTables.ts) are the `./schemas` entry, loaded on demand,
 * and guards.ts is internal (the validator imports it directly).
 */
import { header } from "./text.js";

const METHOD_TYPE_EXPORTS = [
  "ClientNotificationMap",
  "ClientNotificationMethod",
  "ClientRequestMap",
  "ClientRequestMethod",
  "ClientRequestParams",
  "ClientRequestResult",
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
  "CLIENT_REQUEST_METHODS",
  "SERVER_NOTIFICATION_METHODS",
  "SERVER_REQUEST_METHODS",
];

function list(keyword: "export type" | "export", names: string[], from: string): string {
  return `${keyword} {\n${names.map((name) => `  ${name},\n`).join("")}} from "${from}";\n`;
}

export function emitIndexFile(definitionNames: string[], version: string): string {
  return [
    header(version),
    list("export type", definitionNames, "./types.js"),
    list("export type", METHOD_TYPE_EXPORTS, "./methods.js"),
    list("export", METHOD_VALUE_EXPORTS, "./methods.js"),
    list("export type", ["RoutePaths"], "./routing.js"),
    list("export", ["SERVER_MESSAGE_ROUTES"], "./routing.js"),
    list("export", ["GENERATED_FROM_VERSION"], "./version.js"),
  ].join("");
}

/** `version.ts`: the codex-cli version the files were generated from. */
export function emitVersionFile(version: string): string {
  return [
    header(version),
    "/** The codex-cli version whose JSON Schema src/generated was generated from (the pinned server). */\n",
    `export const GENERATED_FROM_VERSION = ${JSON.stringify(version)};\n`,
  ].join("");
}

/**
 * `@codex-app-server/protocol/schemas`: the zod schemas of every wire type and the tables of them by
 * method. A separate entry, so that importing the package root loads no zod: the validator loads this
 * module in the background (`loadSchemas()`) and uses it only for the issues of a rejected message.
 */

export type { WireSchemas } from "./generated/schemas.js";
export { schemas } from "./generated/schemas.js";
export {
  CLIENT_NOTIFICATION_SCHEMAS,
  CLIENT_REQUEST_SCHEMAS,
  SERVER_NOTIFICATION_SCHEMAS,
  SERVER_REQUEST_SCHEMAS,
} from "./generated/schemaTables.js";
export type { RequestSchemas } from "./lazySchemas.js";

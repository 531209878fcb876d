/** Builds every file of src/generated from the server's combined JSON Schema bundle. */
import { emitIndexFile } from "./emitIndex.js";
import { emitMethodsFile } from "./emitMethods.js";
import { computeRoutes, emitRoutingFile } from "./emitRouting.js";
import { emitSchemasFile } from "./emitSchemas.js";
import { emitTypesFile } from "./emitTypes.js";
import { loadBundle } from "./jsonSchema.js";
import { extractMethods } from "./protocolMethods.js";

/** File name (relative to src/generated) → content. */
export type GeneratedFiles = Map<string, string>;

export function buildGeneratedFiles(bundleJson: unknown, version: string): GeneratedFiles {
  const bundle = loadBundle(bundleJson);
  const methods = extractMethods(bundle);
  const routes = computeRoutes(methods, bundle);
  return new Map([
    ["types.ts", emitTypesFile(bundle.definitions, version)],
    ["schemas.ts", emitSchemasFile(bundle.definitions, version, { mode: "cast", typesModule: "./types.js" })],
    ["methods.ts", emitMethodsFile(methods, version)],
    ["routing.ts", emitRoutingFile(routes, version)],
    ["index.ts", emitIndexFile([...bundle.definitions.keys()], version)],
  ]);
}

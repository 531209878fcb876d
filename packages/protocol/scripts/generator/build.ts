/** Builds every file of src/generated from the server's combined JSON Schema bundle. */
import { emitGuardFiles } from "./emitGuards.js";
import { emitIndexFile, emitVersionFile } from "./emitIndex.js";
import { emitMethodsFile, emitSchemaTablesFile } from "./emitMethods.js";
import { computeRoutes, emitRoutingFile } from "./emitRouting.js";
import { emitSchemasFile } from "./emitSchemas.js";
import { emitTypesFile } from "./emitTypes.js";
import { loadBundle } from "./jsonSchema.js";
import { extractMethods } from "./protocolMethods.js";

/** File name (relative to src/generated) → content. */
export type GeneratedFiles = Map<string, string>;

export interface GeneratedOutput {
  files: GeneratedFiles;
  /** What was left as `unknown` (a method without a result type), one sentence each. */
  warnings: string[];
}

export function buildGeneratedFiles(bundleJson: unknown, version: string): GeneratedOutput {
  const bundle = loadBundle(bundleJson);
  const methods = extractMethods(bundle);
  const routes = computeRoutes(methods, bundle);
  const guards = emitGuardFiles(bundle.definitions, methods, version);
  const files: GeneratedFiles = new Map([
    ["types.ts", emitTypesFile(bundle.definitions, version)],
    ["schemas.ts", emitSchemasFile(bundle.definitions, version, { mode: "cast", typesModule: "./types.js" })],
    ["methods.ts", emitMethodsFile(methods, version)],
    ["schemaTables.ts", emitSchemaTablesFile(methods, version)],
    ...guards,
    ["routing.ts", emitRoutingFile(routes, version)],
    ["version.ts", emitVersionFile(version)],
    ["index.ts", emitIndexFile([...bundle.definitions.keys()], version)],
  ]);
  return { files, warnings: methods.warnings };
}

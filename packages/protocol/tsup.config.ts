import { defineConfig } from "tsup";
import { sharedTsupConfig } from "../../tsup.shared.js";

export default defineConfig(
  sharedTsupConfig(import.meta.dirname, { index: "src/index.ts", schemas: "src/schemas.ts", errors: "src/errors.ts" }),
);

import { defineConfig } from "tsup";
import { sharedTsupConfig } from "../../tsup.shared.js";

export default defineConfig({
  ...sharedTsupConfig(import.meta.dirname, {
    index: "src/index.ts",
    vitest: "src/vitest.ts",
    "bin/fakeAppServer": "src/bin/fakeAppServer.ts",
  }),
  // `fakeAppServerCommand` finds the bin next to the bundle through `import.meta.url`, in CJS too.
  shims: true,
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig } from "tsup";

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "package.json"), "utf8")) as {
  version: string;
};

/** A CLI: one ESM entry with its shebang, dependencies left external, no type declarations. */
export default defineConfig({
  entry: { main: "src/main.ts" },
  format: ["esm"],
  dts: false,
  sourcemap: true,
  clean: true,
  target: "node20",
  splitting: false,
  treeshake: true,
  keepNames: true,
  define: { __PACKAGE_VERSION__: JSON.stringify(pkg.version) },
});

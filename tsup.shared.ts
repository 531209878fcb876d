import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Options } from "tsup";

/** Shared tsup settings: ESM + CJS + .d.ts, version injected at build time. */
export function sharedTsupConfig(packageDir: string, entry: Record<string, string>): Options {
  const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string };
  return {
    entry,
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    splitting: true,
    treeshake: true,
    // No esbuild keepNames: it wraps every function and class in `__name(...)`, bytes a browser loads for
    // nothing. The error classes, whose names brand errors, pin their names themselves (codexError.ts).
    keepNames: false,
    define: { __PACKAGE_VERSION__: JSON.stringify(pkg.version) },
  };
}

/**
 * Shared tsup settings for an app (a CLI and the scripts it spawns): one ESM bundle per entry with
 * its shebang, dependencies left external so the workspace packages run from their own builds, as
 * users get them; no type declarations.
 */
export function sharedAppTsupConfig(packageDir: string, entry: Record<string, string>): Options {
  return { ...sharedTsupConfig(packageDir, entry), format: ["esm"], dts: false, splitting: false };
}

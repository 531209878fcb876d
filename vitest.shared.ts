import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Shared vitest settings: every package's vitest.config.ts spreads this. Type tests (`*.test-d.ts`)
 * are checked by each package's `typecheck` task (tsc includes `src` and `test`), not a second time here.
 */
export const sharedVitestConfig = defineConfig({
  resolve: {
    conditions: ["@codex-app-server/source"],
  },
  ssr: {
    resolve: {
      conditions: ["@codex-app-server/source"],
    },
  },
  define: {
    __PACKAGE_VERSION__: JSON.stringify("0.0.0-test"),
  },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * For an app whose tests run its built `dist/main.js` (call it from a vitest `globalSetup`).
 * `turbo run test` builds the app and the packages it uses first; run alone, this asks for the
 * packages' builds (each dependency's `file` must exist) and rebuilds the app when its sources or
 * tsup config are newer than its bundle.
 */
export function buildAppForTests(
  appDir: string,
  dependencies: ReadonlyArray<[name: string, file: string]>,
): void {
  const require = createRequire(join(appDir, "package.json"));
  const missing = dependencies
    .filter(([name, file]) => !existsSync(join(dirname(require.resolve(`${name}/package.json`)), file)))
    .map(([name]) => name);
  if (missing.length > 0) {
    const app = (require("./package.json") as { name: string }).name;
    throw new Error(`build ${missing.join(", ")} first: pnpm exec turbo run build --filter=${app}...`);
  }
  const main = join(appDir, "dist", "main.js");
  const sources = Math.max(
    newestMtime(join(appDir, "src")),
    statSync(join(appDir, "tsup.config.ts")).mtimeMs,
    statSync(fileURLToPath(new URL("./tsup.shared.ts", import.meta.url))).mtimeMs,
  );
  if (!existsSync(main) || statSync(main).mtimeMs < sources) {
    execFileSync("pnpm", ["exec", "tsup"], { cwd: appDir, stdio: "inherit" });
  }
}

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { BENCH_DIR, BENCH_MAIN } from "./support/benchProcess.js";

/** Each must be built: the bench's bundle imports their dist, as users get them. */
const WORKSPACE_DEPENDENCIES: Array<[name: string, file: string]> = [
  ["@codex-app-server/client", "dist/index.js"],
  ["@codex-app-server/protocol", "dist/index.js"],
  ["@codex-app-server/transport", "dist/stdio.js"],
  ["@codex-app-server/testing", "dist/bin/fakeAppServer.js"],
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The smoke test runs the built bench. `turbo run test` builds it (and the packages it uses) first;
 * run alone, vitest rebuilds the bench when its sources are newer than dist, and asks for the
 * packages' builds.
 */
export default function setup(): void {
  const require = createRequire(join(BENCH_DIR, "package.json"));
  const missing = WORKSPACE_DEPENDENCIES.filter(
    ([name, file]) => !existsSync(join(dirname(require.resolve(`${name}/package.json`)), file)),
  ).map(([name]) => name);
  if (missing.length > 0) {
    throw new Error(
      `build ${missing.join(", ")} first: pnpm exec turbo run build --filter=@codex-app-server/bench...`,
    );
  }
  const sources = Math.max(
    newestMtime(join(BENCH_DIR, "src")),
    statSync(join(BENCH_DIR, "tsup.config.ts")).mtimeMs,
  );
  if (!existsSync(BENCH_MAIN) || statSync(BENCH_MAIN).mtimeMs < sources) {
    execFileSync("pnpm", ["exec", "tsup"], { cwd: BENCH_DIR, stdio: "inherit" });
  }
}

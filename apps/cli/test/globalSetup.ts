import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { CLI_DIR, CLI_MAIN } from "./support/cliProcess.js";

const WORKSPACE_DEPENDENCIES = [
  "@codex-app-server/client",
  "@codex-app-server/protocol",
  "@codex-app-server/testing",
  "@codex-app-server/transport",
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
 * The tests run the built CLI. `turbo run test` builds it (and the packages it uses) first; run alone,
 * vitest rebuilds the CLI when its sources are newer than dist, and asks for the packages' builds.
 */
export default function setup(): void {
  const require = createRequire(join(CLI_DIR, "package.json"));
  const missing = WORKSPACE_DEPENDENCIES.filter((name) => {
    const dir = dirname(require.resolve(`${name}/package.json`));
    return !existsSync(join(dir, "dist", "index.js"));
  });
  if (missing.length > 0) {
    throw new Error(
      `build ${missing.join(", ")} first: pnpm exec turbo run build --filter=@codex-app-server/cli...`,
    );
  }
  const sources = Math.max(
    newestMtime(join(CLI_DIR, "src")),
    statSync(join(CLI_DIR, "tsup.config.ts")).mtimeMs,
  );
  if (!existsSync(CLI_MAIN) || statSync(CLI_MAIN).mtimeMs < sources) {
    execFileSync("pnpm", ["exec", "tsup"], { cwd: CLI_DIR, stdio: "inherit" });
  }
}

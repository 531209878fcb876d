// `@codex-app-server/testing/vitest` ships ESM only (vitest 4 is ESM): tsup builds every entry in
// both formats, so the CommonJS build of this one entry is removed after the build.
import { rmSync } from "node:fs";

for (const file of ["vitest.cjs", "vitest.cjs.map", "vitest.d.cts"]) {
  rmSync(new URL(`../dist/${file}`, import.meta.url), { force: true });
}

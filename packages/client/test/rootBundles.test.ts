import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The package roots stay runtime-neutral: their built bundles (ESM and CJS), followed through every
 * static import of their own chunks, never load Node-only modules. Node code lives at subpaths
 * (`@codex-app-server/transport/stdio`, ...), which the client reaches only by dynamic import.
 */
const packagesDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const NODE_ONLY =
  /^(node:)?(child_process|net|tls|http|https|fs|fs\/promises|os|readline|worker_threads)$|^ws$/;
const STATIC_IMPORT =
  /(?:^|[;\n])\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|(?:^|[;\n])\s*import\s*["']([^"']+)["']|\brequire\(\s*["']([^"']+)["']\s*\)/g;

function staticImports(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const source = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const match of source.matchAll(STATIC_IMPORT)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (!specifier) continue;
    if (specifier.startsWith(".")) found.push(...staticImports(join(dirname(file), specifier), seen));
    else found.push(specifier);
  }
  return found;
}

describe.each(["protocol", "transport", "client"])("@codex-app-server/%s root bundle", (name) => {
  it.each(["index.js", "index.cjs"])("%s loads no Node-only module", (entry) => {
    const file = join(packagesDir, name, "dist", entry);
    expect(existsSync(file), `${file} is missing: build the package first (turbo's test task does)`).toBe(
      true,
    );
    const imports = staticImports(file);
    expect(imports.filter((specifier) => NODE_ONLY.test(specifier))).toEqual([]);
  });
});

describe("the check itself", () => {
  it("sees Node-only imports in a subpath bundle", () => {
    const imports = staticImports(join(packagesDir, "transport", "dist", "stdio.js"));
    expect(imports.some((specifier) => NODE_ONLY.test(specifier))).toBe(true);
  });
});

/**
 * `connectStdio` spawns the server before it loads the client, so a cold start costs the slower of the
 * two, not their sum: what `@codex-app-server/client/node` and the stdio transport load up front is
 * the stdio transport and the error classes, never xstate, the client or the protocol's guards.
 */
describe("@codex-app-server/client/node before the spawn", () => {
  const HEAVY =
    /^(xstate|zod|@codex-app-server\/protocol|@codex-app-server\/transport|@codex-app-server\/client)$/;
  it.each([
    ["client", "node.js"],
    ["client", "node.cjs"],
    ["transport", "stdio.js"],
    ["transport", "stdio.cjs"],
  ])("%s/dist/%s loads no package root, xstate or zod", (name, entry) => {
    const imports = staticImports(join(packagesDir, name, "dist", entry));
    expect(imports.filter((specifier) => HEAVY.test(specifier))).toEqual([]);
  });
});

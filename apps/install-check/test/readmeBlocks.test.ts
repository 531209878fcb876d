import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { type CodeBlock, codeBlocks, JAVASCRIPT, TYPESCRIPT } from "../src/readmeBlocks.js";

/**
 * Every TypeScript block of the root README and of each package's and app's README is type-checked
 * against the workspace packages (strict, as the packages are); every JavaScript block must parse and
 * run on this Node (20 in CI). A block may be preceded by `<!-- prelude: ... -->` (declarations it
 * assumes, e.g. a connected `client`) or `<!-- module: NAME -->` (other blocks import it as `./NAME.js`).
 */
const run = promisify(execFile);
const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(appDir, "../..");
const outDir = join(appDir, ".tmp", "readme-blocks");
const READMES = [
  "README.md",
  ...["protocol", "transport", "client", "testing"].map((name) => `packages/${name}/README.md`),
  ...["cli", "bench"].map((name) => `apps/${name}/README.md`),
];

interface WrittenBlock {
  readme: string;
  block: CodeBlock;
  file: string;
}

const written: WrittenBlock[] = [];

beforeAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  for (const readme of READMES) {
    const dir = join(outDir, dirname(readme) === "." ? "root" : dirname(readme).replace("/", "-"));
    mkdirSync(dir, { recursive: true });
    for (const block of codeBlocks(readFileSync(join(repoRoot, readme), "utf8"))) {
      const ts = TYPESCRIPT.has(block.lang);
      if (!ts && !JAVASCRIPT.has(block.lang)) continue;
      const name = block.module ?? `L${block.line}`;
      const file = join(dir, `${name}.${ts ? "ts" : "mjs"}`);
      // The prelude goes on the block's first line so that error lines still point into the block.
      writeFileSync(file, `${block.prelude} ${block.code}${ts ? "export {};\n" : ""}`);
      written.push({ readme, block, file });
    }
  }
  writeFileSync(
    join(outDir, "tsconfig.json"),
    JSON.stringify({ extends: relative(outDir, join(repoRoot, "tsconfig.base.json")), include: ["**/*.ts"] }),
  );
});

/** `packages/client/README.md:120` for an error in the block written to `file` at `line`. */
function readmeLocation(file: string, line: number): string {
  const found = written.find((entry) => entry.file === file);
  return found ? `${found.readme}:${found.block.line + line}` : `${file}:${line}`;
}

describe("README code blocks", () => {
  it("there are blocks to check in every package README", () => {
    const readmes = new Set(written.map((entry) => entry.readme));
    for (const readme of READMES.filter((path) => path.startsWith("packages/") || path === "README.md")) {
      expect(readmes, readme).toContain(readme);
    }
  });

  it("every TypeScript block type-checks against the workspace packages", async () => {
    const tsc = createRequire(join(repoRoot, "package.json")).resolve("typescript/bin/tsc");
    const result = await run(
      process.execPath,
      [tsc, "-p", join(outDir, "tsconfig.json"), "--pretty", "false"],
      {
        cwd: outDir,
      },
    ).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    const errors = result
      .split("\n")
      .filter((line) => line.includes("error TS"))
      .map((line) => {
        const match = /^(.+?)\((\d+),\d+\): (.*)$/.exec(line);
        return match
          ? `${readmeLocation(resolve(outDir, match[1] ?? ""), Number(match[2]))}: ${match[3]}`
          : line;
      });
    expect(errors).toEqual([]);
    // One tsc over every block: 25 s on a quiet machine, over 120 s with the rest of `pnpm test` beside it.
  }, 600_000);

  it("every JavaScript block parses and runs on this Node, with no `await using`", async () => {
    const scripts = written.filter((entry) => entry.file.endsWith(".mjs"));
    expect(scripts.length).toBeGreaterThan(0);
    for (const { readme, block, file } of scripts) {
      expect(block.code, `${readme}:${block.line}`).not.toMatch(/\bawait using\b/);
      await run(process.execPath, ["--check", file]);
      const { stdout } = await run(process.execPath, [file], { cwd: dirname(file), timeout: 60_000 });
      if (block.code.includes("node:test")) expect(stdout, `${readme}:${block.line}`).toMatch(/# fail 0/);
    }
  });
});

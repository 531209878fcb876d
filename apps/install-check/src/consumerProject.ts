import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PUBLISHED_PACKAGES } from "./entries.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const consumerFixture = resolve(import.meta.dirname, "../consumer");

/** What the consumer installs from the registry beside the tarballs: the versions we test with. */
const REGISTRY_DEPENDENCIES = [
  "typescript@~5.9.3",
  "vitest@^4.0.0",
  "@types/node@^20.19.0",
  "esbuild@^0.27.7",
];

const STRICT = {
  strict: true,
  skipLibCheck: false,
  noEmit: true,
  target: "ES2022",
  lib: ["ES2023"],
  types: ["node"],
};

/** The consumer's Node sources (its browser file needs the DOM library, which a Node project leaves out). */
const NODE_SOURCES = ["src/everyEntry.ts", "src/nodeMain.ts", "test"];

/** The three resolutions a consumer may use; node10 checks what a CommonJS-era project compiles. */
export const RESOLUTIONS = {
  nodenext: { module: "NodeNext", moduleResolution: "NodeNext", include: NODE_SOURCES },
  bundler: { module: "ESNext", moduleResolution: "Bundler", include: NODE_SOURCES },
  node10: { module: "CommonJS", moduleResolution: "Node10", include: ["src/everyEntry.ts"] },
} as const;

export type Resolution = keyof typeof RESOLUTIONS;

/** `pnpm pack`s every published package into `dir` (workspace ranges become versions), as npm would publish it. */
export function packAll(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  for (const name of PUBLISHED_PACKAGES) {
    execFileSync("pnpm", ["pack", "--pack-destination", dir], {
      cwd: join(repoRoot, "packages", name),
      stdio: "pipe",
    });
  }
  return readdirSync(dir)
    .filter((file) => file.endsWith(".tgz"))
    .map((file) => join(dir, file));
}

/**
 * A fresh npm project in `dir` with the tarballs and the registry dependencies installed by `npm install`,
 * the consumer sources (`consumer/`) and one strict tsconfig per resolution. Returns npm's output.
 */
export function createConsumer(dir: string, tarballs: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  cpSync(consumerFixture, dir, { recursive: true });
  // The browser turn the Chromium checks run, here bundled from the installed packages.
  cpSync(join(import.meta.dirname, "browserTurn.ts"), join(dir, "src/browserTurn.ts"));
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "codex-sdk-consumer", private: true, type: "module" }, null, 2)}\n`,
  );
  for (const [name, { include, ...options }] of Object.entries(RESOLUTIONS)) {
    writeFileSync(
      join(dir, `tsconfig.${name}.json`),
      JSON.stringify({ compilerOptions: { ...STRICT, ...options }, include }, null, 2),
    );
  }
  return execFileSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--loglevel=warn", ...tarballs, ...REGISTRY_DEPENDENCIES],
    { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
}

/**
 * Regenerates src/generated from the pinned codex binary's JSON Schema.
 *
 *   pnpm gen                          write the files
 *   pnpm gen --check                  exit 1 (with a summary) when the checked-in files differ
 *   pnpm gen --binary PATH --out DIR  generate from another codex binary (any version) into DIR,
 *                                     leaving the pin and src/generated alone
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { codexBinaryAt, PACKAGE_DIR, resolveCodexBinary } from "./codexBinary.js";
import { buildGeneratedFiles, type GeneratedFiles } from "./generator/build.js";
import { readServerSchema } from "./serverOutput.js";

let GENERATED_DIR = join(PACKAGE_DIR, "src", "generated");

function existingFiles(): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(GENERATED_DIR)) return files;
  for (const name of readdirSync(GENERATED_DIR).sort()) {
    files.set(name, readFileSync(join(GENERATED_DIR, name), "utf8"));
  }
  return files;
}

function describeDifference(name: string, actual: string, expected: string): string {
  const a = actual.split("\n");
  const e = expected.split("\n");
  let line = 0;
  while (line < a.length && line < e.length && a[line] === e[line]) line++;
  return [
    `  ${name}: differs from line ${line + 1} (checked in: ${a.length} lines, generated: ${e.length} lines)`,
    `    checked in: ${JSON.stringify(a[line] ?? "<end of file>").slice(0, 160)}`,
    `    generated:  ${JSON.stringify(e[line] ?? "<end of file>").slice(0, 160)}`,
  ].join("\n");
}

function check(expected: GeneratedFiles): number {
  const actual = existingFiles();
  const problems: string[] = [];
  for (const [name, content] of expected) {
    const current = actual.get(name);
    if (current === undefined) problems.push(`  ${name}: missing`);
    else if (current !== content) problems.push(describeDifference(name, current, content));
  }
  for (const name of actual.keys())
    if (!expected.has(name)) problems.push(`  ${name}: not generated (stale)`);
  if (problems.length === 0) {
    console.log(`src/generated is current (${expected.size} files).`);
    return 0;
  }
  console.error(`src/generated is out of date with the pinned codex binary:\n${problems.join("\n")}`);
  console.error("Run `pnpm gen:protocol` (or `pnpm gen` in packages/protocol) and commit the result.");
  return 1;
}

function write(expected: GeneratedFiles): void {
  mkdirSync(GENERATED_DIR, { recursive: true });
  const actual = existingFiles();
  for (const name of actual.keys()) if (!expected.has(name)) rmSync(join(GENERATED_DIR, name));
  let changed = 0;
  for (const [name, content] of expected) {
    if (actual.get(name) === content) continue;
    writeFileSync(join(GENERATED_DIR, name), content);
    changed++;
  }
  console.log(`src/generated: ${changed} of ${expected.size} files updated.`);
}

function main(): number {
  const { values } = parseArgs({
    options: { check: { type: "boolean" }, binary: { type: "string" }, out: { type: "string" } },
  });
  if (values.binary !== undefined && values.out === undefined && !values.check) {
    throw new Error("--binary needs --out DIR: src/generated always matches the pinned binary");
  }
  const binary = values.binary === undefined ? resolveCodexBinary() : codexBinaryAt(resolve(values.binary));
  if (values.out !== undefined) GENERATED_DIR = resolve(values.out);
  const { files, warnings } = buildGeneratedFiles(readServerSchema(binary.path), binary.version);
  for (const warning of warnings) console.warn(`generate: warning: ${warning}`);
  if (values.check) return check(files);
  write(files);
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`generate: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

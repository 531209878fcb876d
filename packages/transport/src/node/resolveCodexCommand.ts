import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { splitCommandLine } from "./commandLine.js";

export interface CodexCommandOptions {
  /** The executable. Wins over everything else. */
  command?: string;
  /** Arguments replacing the default `["app-server"]` (or the arguments of `CODEX_APP_SERVER_CMD`). */
  args?: string[];
  /** Arguments appended after `args`, e.g. `["-c", "model=\"o3\""]`. */
  extraArgs?: string[];
  /** Where `CODEX_APP_SERVER_CMD` is read from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** Where the command came from, in the order they are tried. */
export type CodexCommandSource = "option" | "env" | "package" | "path";

export interface ResolvedCodexCommand {
  command: string;
  args: string[];
  source: CodexCommandSource;
}

const TARGET_TRIPLES: Record<string, string> = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "android-x64": "x86_64-unknown-linux-musl",
  "android-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "win32-x64": "x86_64-pc-windows-msvc",
  "win32-arm64": "aarch64-pc-windows-msvc",
};

/**
 * Decide which program runs the app-server:
 * 1. `options.command` with `options.args ?? ["app-server"]`;
 * 2. the `CODEX_APP_SERVER_CMD` environment variable, a whole command line such as
 *    `"codex app-server"` or `"node fake-server.js --x"`, split like a shell would (no expansion);
 * 3. the native binary of the installed `@openai/codex` package, with `["app-server"]`;
 * 4. `codex` on the PATH, with `["app-server"]`.
 * `options.args` replaces the arguments in every case; `options.extraArgs` is appended.
 */
export function resolveCodexCommand(options: CodexCommandOptions = {}): ResolvedCodexCommand {
  const extra = options.extraArgs ?? [];
  const finish = (command: string, defaultArgs: string[], source: CodexCommandSource) => ({
    command,
    args: [...(options.args ?? defaultArgs), ...extra],
    source,
  });
  if (options.command) return finish(options.command, ["app-server"], "option");

  const fromEnv = (options.env ?? process.env).CODEX_APP_SERVER_CMD?.trim();
  if (fromEnv) {
    const [command, ...args] = splitCommandLine(fromEnv);
    if (command) return finish(command, args, "env");
  }

  const binary = findCodexBinary();
  if (binary) return finish(binary, ["app-server"], "package");
  return finish(process.platform === "win32" ? "codex.exe" : "codex", ["app-server"], "path");
}

export interface CodexBinaryLookupOptions {
  /** Files (or file URLs) to resolve `@openai/codex` from, in order. Default: this package, then the cwd. */
  from?: readonly string[];
  /**
   * The launcher package to look for. Default `@openai/codex`; another release installed through an npm
   * alias (`"codex-0.163.0": "npm:@openai/codex@0.163.0"`) is found by its alias name.
   */
  packageName?: string;
  /** Default `process.platform`. */
  platform?: NodeJS.Platform;
  /** Default `process.arch`. */
  arch?: NodeJS.Architecture;
}

/** Where the binary is, or why there is none: no build for the platform, no package, no binary in it. */
export type CodexBinaryLookup =
  | { found: string }
  | { found?: undefined; missing: "platform"; platform: string }
  | { found?: undefined; missing: "package" }
  | { found?: undefined; missing: "binary"; triple: string; platformPackage: string; candidates: string[] };

/**
 * Looks for the native `codex` executable shipped by the `@openai/codex` npm package (its platform
 * dependency, or older layouts that vendor it in the package itself), without the Node launcher.
 */
export function lookupCodexBinary(options: CodexBinaryLookupOptions = {}): CodexBinaryLookup {
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const triple = TARGET_TRIPLES[`${platform}-${arch}`];
  if (!triple) return { missing: "platform", platform: `${platform}-${arch}` };
  const platformPackage = `@openai/codex-${platform === "android" ? "linux" : platform}-${arch}`;
  const executable = platform === "win32" ? "codex.exe" : "codex";

  let packageFound = false;
  const candidates: string[] = [];
  for (const base of options.from ?? lookupBases()) {
    let codexPackageJson: string;
    try {
      codexPackageJson = createRequire(base).resolve(
        `${options.packageName ?? "@openai/codex"}/package.json`,
      );
    } catch {
      continue;
    }
    packageFound = true;
    try {
      const platformPackageJson = createRequire(codexPackageJson).resolve(`${platformPackage}/package.json`);
      candidates.push(join(dirname(platformPackageJson), "vendor", triple, "bin", executable));
    } catch {
      // Older layouts vendor the binary inside @openai/codex itself.
    }
    candidates.push(join(dirname(codexPackageJson), "vendor", triple, "bin", executable));
    const found = candidates.find((candidate) => existsSync(candidate));
    if (found) return { found };
  }
  return packageFound ? { missing: "binary", triple, platformPackage, candidates } : { missing: "package" };
}

/**
 * The native `codex` executable of the installed `@openai/codex` package for this platform, looked up
 * from this package's location and then from the current directory; `undefined` when there is none.
 */
export function findCodexBinary(options: CodexBinaryLookupOptions = {}): string | undefined {
  return lookupCodexBinary(options).found;
}

function lookupBases(): string[] {
  const bases: string[] = [];
  const self = moduleLocation();
  if (self) bases.push(self);
  bases.push(pathToFileURL(join(process.cwd(), "__codex_lookup__.js")).href);
  return bases;
}

function moduleLocation(): string | undefined {
  // The CommonJS build has no import.meta.url; it has __filename.
  if (typeof __filename === "string") return __filename;
  try {
    return import.meta.url;
  } catch {
    return undefined;
  }
}

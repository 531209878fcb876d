import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface CodexBinary {
  /** Absolute path of the native `codex` executable. */
  path: string;
  /** The version the binary reports, e.g. `0.169.0`. */
  version: string;
}

/** The exact `@openai/codex` version this package pins in its devDependencies. */
function pinnedCodexVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as {
    devDependencies?: Record<string, string>;
  };
  const version = pkg.devDependencies?.["@openai/codex"];
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`package.json must pin @openai/codex to an exact version, found ${String(version)}`);
  }
  return version;
}

/**
 * Finds the native binary shipped by the pinned `@openai/codex` package (its platform package is an
 * optional dependency named `@openai/codex-<platform>-<arch>`) and checks that it reports the pinned
 * version.
 */
export function resolveCodexBinary(): CodexBinary {
  const pinned = pinnedCodexVersion();
  const binary = installedCodexBinary("@openai/codex");
  if (binary.version !== pinned) {
    throw new Error(
      `${binary.path} reports version ${binary.version}, expected the pinned version ${pinned}`,
    );
  }
  return binary;
}

/**
 * The binary of another release installed through an npm alias in devDependencies
 * (`"codex-0.163.0": "npm:@openai/codex@0.163.0"`), checked to report that version.
 */
export function resolveAliasedCodexBinary(version: string): CodexBinary {
  const binary = installedCodexBinary(`codex-${version}`);
  if (binary.version !== version) {
    throw new Error(`${binary.path} reports version ${binary.version}, expected ${version}`);
  }
  return binary;
}

function installedCodexBinary(packageName: string): CodexBinary {
  const fromPackage = createRequire(join(PACKAGE_DIR, "package.json"));
  const launcherPkg = fromPackage.resolve(`${packageName}/package.json`);
  const fromLauncher = createRequire(launcherPkg);
  const platformName = `@openai/codex-${process.platform}-${process.arch}`;
  let platformDir: string;
  try {
    platformDir = dirname(fromLauncher.resolve(`${platformName}/package.json`));
  } catch (error) {
    throw new Error(`${platformName} is not installed next to ${packageName}`, { cause: error });
  }
  const exe = process.platform === "win32" ? "codex.exe" : "codex";
  const vendor = join(platformDir, "vendor");
  const triples = existsSync(vendor) ? readdirSync(vendor) : [];
  const found = triples
    .map((triple) => join(vendor, triple, "bin", exe))
    .find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`no ${exe} binary under ${vendor}`);
  return codexBinaryAt(found);
}

/** Any codex binary, by path, with the version it reports (`codex --version`). */
export function codexBinaryAt(path: string): CodexBinary {
  const reported = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
  const version = /(\d+\.\d+\.\d+)/.exec(reported)?.[1];
  if (version === undefined) throw new Error(`${path} --version printed "${reported}", not a version`);
  return { path, version };
}

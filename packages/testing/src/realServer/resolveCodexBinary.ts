import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RealAppServerError } from "./errors.js";

const TARGETS: Record<string, { triple: string; packageName: string }> = {
  "linux-x64": { triple: "x86_64-unknown-linux-musl", packageName: "@openai/codex-linux-x64" },
  "linux-arm64": { triple: "aarch64-unknown-linux-musl", packageName: "@openai/codex-linux-arm64" },
  "android-x64": { triple: "x86_64-unknown-linux-musl", packageName: "@openai/codex-linux-x64" },
  "android-arm64": { triple: "aarch64-unknown-linux-musl", packageName: "@openai/codex-linux-arm64" },
  "darwin-x64": { triple: "x86_64-apple-darwin", packageName: "@openai/codex-darwin-x64" },
  "darwin-arm64": { triple: "aarch64-apple-darwin", packageName: "@openai/codex-darwin-arm64" },
  "win32-x64": { triple: "x86_64-pc-windows-msvc", packageName: "@openai/codex-win32-x64" },
  "win32-arm64": { triple: "aarch64-pc-windows-msvc", packageName: "@openai/codex-win32-arm64" },
};

export interface ResolveCodexBinaryOptions {
  /** Resolve `@openai/codex` as seen from this file or directory (default: this package, then the cwd). */
  from?: string;
  /** Default `process.platform`. */
  platform?: NodeJS.Platform;
  /** Default `process.arch`. */
  arch?: NodeJS.Architecture;
}

function thisModuleFile(): string {
  return typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
}

function resolveCodexPackageJson(from: string | undefined): string | undefined {
  const bases =
    from === undefined ? [thisModuleFile(), join(process.cwd(), "noop.js")] : [join(from, "noop.js"), from];
  for (const base of bases) {
    try {
      return createRequire(base).resolve("@openai/codex/package.json");
    } catch {
      // try the next base
    }
  }
  return undefined;
}

/**
 * The path of the native `codex` binary shipped by the installed `@openai/codex` package
 * (its platform-specific optional dependency), without going through the Node launcher.
 */
export function resolveCodexBinary(options: ResolveCodexBinaryOptions = {}): string {
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const target = TARGETS[`${platform}-${arch}`];
  if (target === undefined) {
    throw new RealAppServerError(
      "codex_binary_not_found",
      `@openai/codex ships no binary for ${platform}-${arch}`,
    );
  }
  const codexPackageJson = resolveCodexPackageJson(options.from);
  if (codexPackageJson === undefined) {
    throw new RealAppServerError(
      "codex_binary_not_found",
      "cannot find the @openai/codex package; install it next to @codex-app-server/testing (it is an optional peer dependency)",
    );
  }
  const executable = platform === "win32" ? "codex.exe" : "codex";
  const candidates: string[] = [];
  try {
    const platformPackageJson = createRequire(codexPackageJson).resolve(`${target.packageName}/package.json`);
    candidates.push(join(dirname(platformPackageJson), "vendor", target.triple, "bin", executable));
  } catch {
    // older layouts vendor the binary inside @openai/codex itself
  }
  candidates.push(join(dirname(codexPackageJson), "vendor", target.triple, "bin", executable));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new RealAppServerError(
      "codex_binary_not_found",
      `@openai/codex is installed but its binary for ${target.triple} is missing (optional dependency ${target.packageName}); looked in ${candidates.join(", ")}`,
    );
  }
  return found;
}

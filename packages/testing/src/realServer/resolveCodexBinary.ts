import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lookupCodexBinary } from "@codex-app-server/transport/stdio";
import { RealAppServerError } from "./errors.js";

export interface ResolveCodexBinaryOptions {
  /** Resolve `@openai/codex` as seen from this file or directory (default: this package, then the cwd). */
  from?: string;
  /** Default `process.platform`. */
  platform?: NodeJS.Platform;
  /** Default `process.arch`. */
  arch?: NodeJS.Architecture;
  /**
   * A release other than the installed `@openai/codex`: the binary of the npm alias `codex-<version>`
   * (`"codex-0.163.0": "npm:@openai/codex@0.163.0"`), or of `@openai/codex` when it is that version.
   */
  version?: string;
}

function thisModuleFile(): string {
  return typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
}

/**
 * The path of the native `codex` binary shipped by the installed `@openai/codex` package (an optional
 * peer dependency of this package), without going through the Node launcher. Looked up from this
 * package, since pnpm's strict layout may hide the peer from the transport package.
 */
export function resolveCodexBinary(options: ResolveCodexBinaryOptions = {}): string {
  const from =
    options.from === undefined
      ? [thisModuleFile(), join(process.cwd(), "noop.js")]
      : [join(options.from, "noop.js"), options.from];
  const packageName =
    options.version === undefined ? "@openai/codex" : packageOfVersion(options.version, from);
  const lookup = lookupCodexBinary({
    from,
    packageName,
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.arch ? { arch: options.arch } : {}),
  });
  if (lookup.found !== undefined) return lookup.found;
  switch (lookup.missing) {
    case "platform":
      throw new RealAppServerError(
        "codex_binary_not_found",
        `@openai/codex ships no binary for ${lookup.platform}`,
      );
    case "package":
      throw new RealAppServerError(
        "codex_binary_not_found",
        `cannot find the ${packageName} package; install it next to @codex-app-server/testing (it is an optional peer dependency)`,
      );
    case "binary":
      throw new RealAppServerError(
        "codex_binary_not_found",
        `${packageName} is installed but its binary for ${lookup.triple} is missing (optional dependency ${lookup.platformPackage}); looked in ${lookup.candidates.join(", ")}`,
      );
  }
}

/** `@openai/codex` when it is installed at `version`, else the alias `codex-<version>`. */
function packageOfVersion(version: string, from: readonly string[]): string {
  for (const base of from) {
    try {
      const manifest = createRequire(base).resolve("@openai/codex/package.json");
      if ((JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version === version) {
        return "@openai/codex";
      }
    } catch {
      // not installed there
    }
  }
  return `codex-${version}`;
}

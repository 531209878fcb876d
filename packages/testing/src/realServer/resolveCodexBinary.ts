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
  const lookup = lookupCodexBinary({
    from,
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
        "cannot find the @openai/codex package; install it next to @codex-app-server/testing (it is an optional peer dependency)",
      );
    case "binary":
      throw new RealAppServerError(
        "codex_binary_not_found",
        `@openai/codex is installed but its binary for ${lookup.triple} is missing (optional dependency ${lookup.platformPackage}); looked in ${lookup.candidates.join(", ")}`,
      );
  }
}

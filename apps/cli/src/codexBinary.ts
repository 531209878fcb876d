import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveCodexBinary } from "@codex-app-server/testing";

/**
 * The native codex binary of this package's own `@openai/codex` dependency (pinned), or `undefined`
 * when it is not installed (the transport then looks further: its own dependency, then the PATH).
 */
export function pinnedCodexBinary(): string | undefined {
  try {
    return resolveCodexBinary({ from: dirname(fileURLToPath(import.meta.url)) });
  } catch {
    return undefined;
  }
}

import {
  type CodexVersion,
  codexVersionSupport,
  GENERATED_FROM_VERSION,
  parseUserAgentVersion,
  SUPPORTED_CODEX_RANGE,
} from "@codex-app-server/protocol";
import { CodexServerVersionWarning } from "./errors.js";

/**
 * The server version from an `initialize` response's userAgent, and a warning when it is outside the
 * supported range (or cannot be told at all).
 */
export function checkServerVersion(userAgent: string): {
  version: CodexVersion | undefined;
  warning: CodexServerVersionWarning | undefined;
} {
  const version = parseUserAgentVersion(userAgent);
  if (version === undefined) {
    return {
      version,
      warning: new CodexServerVersionWarning(
        "unknown",
        undefined,
        `cannot tell the codex app-server version from its userAgent ${JSON.stringify(userAgent)}; ` +
          `this SDK supports ${rangeText()}`,
      ),
    };
  }
  const support = codexVersionSupport(version);
  if (support === "supported") return { version, warning: undefined };
  const message =
    support === "older"
      ? `codex app-server ${version.text} is older than this SDK supports (${rangeText()}): update @openai/codex`
      : `codex app-server ${version.text} is newer than this SDK supports (${rangeText()}; its schemas were ` +
        `generated from ${GENERATED_FROM_VERSION}): messages of new shapes are reported as validation ` +
        "errors, and dropped in strict validation";
  return { version, warning: new CodexServerVersionWarning(support, version, message) };
}

function rangeText(): string {
  return `codex-cli ${SUPPORTED_CODEX_RANGE.oldest} to ${SUPPORTED_CODEX_RANGE.newest}`;
}

const printed = new Set<string>();

/** Prints a warning or error on stderr once per process (per message), for clients without a hook. */
export function warnOnce(problem: Error): void {
  if (printed.has(problem.message)) return;
  printed.add(problem.message);
  console.warn(`codex-client: ${problem.name}: ${problem.message}`);
}

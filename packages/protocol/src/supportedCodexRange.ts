import { type CodexVersion, compareCodexVersions } from "./codexVersion.js";
import { GENERATED_FROM_VERSION } from "./generated/version.js";

/**
 * The codex-cli releases this SDK supports, declared once: the oldest is what `@openai/codex-sdk` and
 * the official Python SDK pin, the newest is the pinned server the protocol was generated from. CI runs
 * the real-server suites on both ends; package.json peer ranges on `@openai/codex` are
 * `>=oldest <=newest` (a test holds them to this).
 */
export const SUPPORTED_CODEX_RANGE: { readonly oldest: string; readonly newest: string } = Object.freeze({
  oldest: "0.163.0",
  newest: GENERATED_FROM_VERSION,
});

/** The npm range of `SUPPORTED_CODEX_RANGE`, as package.json peer dependencies write it. */
export function supportedCodexPeerRange(): string {
  return `>=${SUPPORTED_CODEX_RANGE.oldest} <=${SUPPORTED_CODEX_RANGE.newest}`;
}

/**
 * Where a server version stands: `supported`, `older` than the oldest supported release, or `newer`
 * than the schemas were generated from (its messages may carry shapes the schemas do not know).
 */
export function codexVersionSupport(version: CodexVersion | string): "supported" | "older" | "newer" {
  if (compareCodexVersions(version, SUPPORTED_CODEX_RANGE.oldest) < 0) return "older";
  if (compareCodexVersions(version, SUPPORTED_CODEX_RANGE.newest) > 0) return "newer";
  return "supported";
}

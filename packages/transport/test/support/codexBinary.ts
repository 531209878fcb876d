import { findCodexBinary } from "../../src/node/resolveCodexCommand.js";

/** The pinned native binary from the installed `@openai/codex` package. */
export function codexBinaryPath(): string {
  const binary = findCodexBinary();
  if (!binary) throw new Error("the @openai/codex package (with its platform binary) is not installed");
  return binary;
}

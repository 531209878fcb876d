import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Whether codex can reach a real model: an API key in the environment, or a `codex login` session
 * (`auth.json` in `CODEX_HOME`, default `~/.codex`).
 */
export function hasModelCredentials(env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.OPENAI_API_KEY || env.CODEX_API_KEY) return true;
  const codexHome = env.CODEX_HOME || join(homedir(), ".codex");
  return existsSync(join(codexHome, "auth.json"));
}

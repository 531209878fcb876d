import type { StdioRealAppServer } from "@codex-app-server/testing";
import { startRealAppServer } from "@codex-app-server/testing";
import { pinnedCodexBinary } from "../codexBinary.js";
import { demoReply } from "./demoStory.js";

/** How long the demo's stand-in model waits before each streamed event, unless CODEX_CHAT_DEMO_DELAY_MS says otherwise. */
export const DEFAULT_DEMO_EVENT_DELAY_MS = 25;

/**
 * Prepares the real, pinned `codex app-server` (from this package's `@openai/codex` dependency) to run
 * against the demo's scripted model, with a temporary CODEX_HOME and workspace. Close it to remove them.
 */
export async function startOfflineDemo(options: { eventDelayMs: number }): Promise<StdioRealAppServer> {
  const codexCommand = pinnedCodexBinary();
  const server = await startRealAppServer({
    ...(codexCommand === undefined ? {} : { codexCommand }),
    approvalPolicy: "on-request",
  });
  server.model.setFallback((request) => demoReply(request, options));
  return server;
}

export function demoEventDelayMs(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.CODEX_CHAT_DEMO_DELAY_MS;
  const parsed = raw === undefined || raw.trim() === "" ? Number.NaN : Number(raw);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : DEFAULT_DEMO_EVENT_DELAY_MS;
}

import type { CodexClientOptions } from "@codex-app-server/client";
import { CodexClient } from "@codex-app-server/client";
import type { StdioRealAppServer } from "@codex-app-server/testing";
import type { Transport } from "@codex-app-server/transport";
import { StdioTransport } from "@codex-app-server/transport/stdio";
import { WebSocketTransport } from "@codex-app-server/transport/websocket";
import type { SessionInfo } from "./chatOutput.js";
import type { ConnectionTarget } from "./cliOptions.js";
import { pinnedCodexBinary } from "./codexBinary.js";
import { startOfflineDemo } from "./demo/offlineDemo.js";
import { CliConnectionError } from "./errors.js";

const STDERR_LINES_KEPT = 20;

/** An initialized client and whatever was started for it; `close` ends them all. */
export interface Connection {
  client: CodexClient;
  info: Omit<SessionInfo, "approval" | "interactive">;
  close(): Promise<void>;
}

/** What is being started or reached, in a few words, for the spinner. Never a token. */
export function describeTarget(target: ConnectionTarget): string {
  switch (target.kind) {
    case "stdio":
      return "starting codex app-server…";
    case "websocket":
      return "connecting to codex app-server…";
    case "demo":
      return "starting the offline demo…";
  }
}

/**
 * Starts (stdio, demo) or reaches (websocket) the app-server and initializes a client on it. On
 * failure everything started is closed again.
 */
export async function openConnection(
  target: ConnectionTarget,
  clientOptions: CodexClientOptions,
  demoOptions: { eventDelayMs: number },
  env: Readonly<Record<string, string | undefined>>,
): Promise<Connection> {
  let demo: StdioRealAppServer | undefined;
  let transport: Transport;
  let info: Connection["info"];
  const stderr: string[] = [];
  const onStderrLine = (line: string) => {
    stderr.push(line);
    if (stderr.length > STDERR_LINES_KEPT) stderr.shift();
  };
  switch (target.kind) {
    case "stdio": {
      const stdio = new StdioTransport({ ...stdioCommand(target, env), onStderrLine, detached: true });
      transport = stdio;
      info = { mode: "stdio", server: [stdio.command, ...stdio.args].join(" ") };
      break;
    }
    case "websocket": {
      const ws = new WebSocketTransport({
        ...(target.url === undefined ? {} : { url: target.url }),
        ...(target.token === undefined ? {} : { token: target.token }),
      });
      transport = ws;
      info = { mode: "websocket", server: ws.label };
      break;
    }
    case "demo": {
      demo = await startOfflineDemo(demoOptions);
      transport = new StdioTransport({ ...demo.stdioOptions, onStderrLine, detached: true });
      info = {
        mode: "demo",
        server: `${demo.command} ${demo.args.join(" ")}`,
        demo: { reason: target.reason, workspace: demo.workspace },
      };
      break;
    }
  }
  const client = new CodexClient(transport, clientOptions);
  const close = async () => {
    try {
      await client.close();
    } finally {
      await demo?.close();
    }
  };
  try {
    await client.initialize();
  } catch (error) {
    await close();
    const server = info.mode === "websocket" ? "websocket" : info.server;
    throw new CliConnectionError(
      `could not initialize the app-server (${server}): ${(error as Error).message}`,
      {
        cause: error,
        stderrTail: stderr.length > 0 ? stderr.join("\n") : undefined,
      },
    );
  }
  return { client, info, close };
}

/**
 * `--cmd`, else `CODEX_APP_SERVER_CMD` (left to the transport), else this package's pinned codex,
 * else what the transport finds (its own `@openai/codex`, then `codex` on the PATH).
 */
function stdioCommand(
  target: Extract<ConnectionTarget, { kind: "stdio" }>,
  env: Readonly<Record<string, string | undefined>>,
): { command?: string; args?: string[] } {
  if (target.command !== undefined) return { command: target.command, args: target.args ?? [] };
  if (env.CODEX_APP_SERVER_CMD?.trim()) return {};
  const pinned = pinnedCodexBinary();
  return pinned === undefined ? {} : { command: pinned, args: ["app-server"] };
}

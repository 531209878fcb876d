import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { codexBinaryPath } from "./codexBinary.js";
import type { TempCodexHome } from "./codexHome.js";

const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

export interface ListeningServer extends AsyncDisposable {
  child: ChildProcessWithoutNullStreams;
  /** What the ready line matched (group 1), e.g. the ws:// URL. */
  address: string;
  stderr: () => string;
}

/** Spawn `codex app-server` with extra args and resolve once a stderr line matches `ready`. */
async function startServer(
  home: TempCodexHome,
  args: string[],
  extraEnv: Record<string, string>,
  ready: RegExp,
) {
  const child = spawn(codexBinaryPath(), ["app-server", ...args], {
    env: { ...process.env, ...home.env, ...extraEnv },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let raw = "";
  let stderr = "";
  const address = await new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      raw += text;
      stderr = raw.replace(ANSI_ESCAPE, "");
      const match = ready.exec(stderr);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      reject(new Error(`app-server exited (${code ?? signal}) before it was ready:\n${stderr}`)),
    );
  });
  const server: ListeningServer = {
    child,
    address,
    stderr: () => stderr,
    // SIGTERM lets the server remove its socket file; SIGKILL if it takes more than 5 s.
    [Symbol.asyncDispose]: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  return server;
}

/**
 * `codex app-server --listen ws://127.0.0.1:0` with capability-token auth. Port 0 lets the server
 * pick a free port; it prints `listening on: ws://127.0.0.1:PORT` on stderr, then `/readyz` answers.
 */
export async function startWebSocketServer(home: TempCodexHome, token: string): Promise<ListeningServer> {
  const tokenFile = join(home.dir, "ws-token");
  await writeFile(tokenFile, token, { mode: 0o600 });
  const server = await startServer(
    home,
    ["--listen", "ws://127.0.0.1:0", "--ws-auth", "capability-token", "--ws-token-file", tokenFile],
    {},
    /listening on: (ws:\/\/[\d.]+:\d+)/,
  );
  const readyz = `${server.address.replace(/^ws:/, "http:")}/readyz`;
  const answer = await fetch(readyz);
  if (answer.status !== 200) throw new Error(`${readyz} answered ${answer.status}`);
  return server;
}

/** `codex app-server --listen unix://` (socket under CODEX_HOME); ready once it logs the socket path. */
export function startUnixSocketServer(home: TempCodexHome): Promise<ListeningServer> {
  return startServer(
    home,
    ["--listen", "unix://"],
    { RUST_LOG: "warn,codex_app_server_transport::transport::unix_socket=info" },
    /control socket listening socket_path=(\/\S+)/,
  );
}

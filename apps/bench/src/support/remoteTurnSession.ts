import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { SessionKind, TurnSession, TurnsSample } from "./turnSessions.js";

/** What the bench asks of a session host. */
export type HostRequest = { type: "run"; first: number; count: number } | { type: "close" };

/** What a session host answers. */
export type HostReply =
  | { type: "opened"; setupCpuMs: number; heapUsed: number }
  | { type: "sample"; sample: TurnsSample }
  | { type: "failed"; message: string };

/** A session held by a child process: its threads, heap and CPU time are the child's. */
export interface RemoteTurnSession extends TurnSession {
  /** The child's heap in use right after opening, bytes. */
  readonly heapUsed: number;
}

/** The host script: the built one next to the bench's bundle, or the TypeScript file through tsx. */
function hostModule(): { path: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    return {
      path: fileURLToPath(new URL("./turnSessionHost.ts", here)),
      execArgv: ["--import", "tsx", "--expose-gc"],
    };
  }
  return { path: fileURLToPath(new URL("./turnSessionHost.js", here)), execArgv: ["--expose-gc"] };
}

/**
 * Starts a session host for `kind` on the recording, waits until its threads are open, and hands
 * back the session: each `runTurns` is one request to the child, whose CPU time it reports.
 */
export async function openRemoteSession(
  kind: SessionKind,
  recordingPath: string,
  threads: number,
  name: string,
): Promise<RemoteTurnSession> {
  const host = hostModule();
  const child = fork(host.path, [kind, recordingPath, String(threads), name], {
    execArgv: host.execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = once(child, "exit");
  let waiting: { resolve: (reply: HostReply) => void; reject: (error: Error) => void } | undefined;
  let ended: Error | undefined;
  child.on("message", (reply: HostReply) => {
    const w = waiting;
    waiting = undefined;
    if (reply.type === "failed") w?.reject(new Error(`${name}: ${reply.message}`));
    else w?.resolve(reply);
  });
  void exited.then(([code, signal]) => {
    ended = new Error(`${name}: the session host exited (code ${code}, signal ${signal})`);
    waiting?.reject(ended);
    waiting = undefined;
  });
  const next = () =>
    new Promise<HostReply>((resolve, reject) => {
      if (ended !== undefined) reject(ended);
      else waiting = { resolve, reject };
    });
  const send = (request: HostRequest) => child.send(request);

  const opened = await next().catch(async (error: unknown) => {
    await stop(child, exited);
    throw error;
  });
  if (opened.type !== "opened") throw new Error(`${name}: expected "opened", got ${opened.type}`);
  return {
    name,
    threads,
    setupCpuMs: opened.setupCpuMs,
    heapUsed: opened.heapUsed,
    async runTurns(first, count) {
      const answer = next();
      send({ type: "run", first, count });
      const reply = await answer;
      if (reply.type !== "sample") throw new Error(`${name}: expected a sample, got ${reply.type}`);
      return reply.sample;
    },
    async close() {
      if (ended === undefined && child.connected) send({ type: "close" });
      await stop(child, exited);
    },
  };
}

/** Waits for the child to exit; kills it if it has not within 10 s of being asked to close. */
async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { stopChildProcess } from "@codex-app-server/transport/stdio";
import { RealAppServerError } from "./errors.js";
import { OutputTail } from "./outputTail.js";

/** How to launch `codex app-server`: the fields a stdio transport's options take. */
export interface AppServerLaunch {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface AppServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnAppServerOptions {
  /** Appended to `launch.args`. */
  extraArgs?: readonly string[];
  /** Strings replaced by `[redacted]` in the collected stderr. */
  redact?: readonly string[];
  /** How many stderr lines to keep (default 50). */
  stderrLines?: number;
  /** Wait this long after SIGTERM before SIGKILL (default 3000 ms). */
  killTimeoutMs?: number;
}

const live = new Set<number>();
let exitHookInstalled = false;

/** A test process that exits (a failed test, a killed worker) takes every server it started along. */
function killLiveOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const pid of live) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  });
}

/** Pids of app-server processes spawned by this kit that have not exited yet. */
export function liveAppServerPids(): number[] {
  return [...live];
}

/** A running `codex app-server` child: raw stdin/stdout, the tail of its stderr, and a kill that waits. */
export class AppServerProcess implements AsyncDisposable {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  readonly stderr: OutputTail;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<AppServerExit>;
  readonly #killTimeoutMs: number;
  #exit: AppServerExit | undefined;
  #killing: Promise<AppServerExit> | undefined;

  /** @internal Use {@link spawnAppServer}. */
  constructor(child: ChildProcessWithoutNullStreams, stderr: OutputTail, killTimeoutMs: number) {
    if (child.pid === undefined) throw new TypeError("the child process has no pid");
    this.child = child;
    this.pid = child.pid;
    this.stderr = stderr;
    this.#killTimeoutMs = killTimeoutMs;
    live.add(child.pid);
    killLiveOnExit();
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        live.delete(this.pid);
        stderr.flush();
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
  }

  get stdin(): Writable {
    return this.child.stdin;
  }

  get stdout(): Readable {
    return this.child.stdout;
  }

  /** How it exited, once it has. */
  get exit(): AppServerExit | undefined {
    return this.#exit;
  }

  /** Ends stdin and sends SIGTERM, then SIGKILL if it is still alive after the kill timeout. */
  kill(): Promise<AppServerExit> {
    if (this.#exit !== undefined) return Promise.resolve(this.#exit);
    this.#killing ??= (async () => {
      // The transport's escalation, without its first step: a server listening on a socket does
      // not exit at the end of stdin.
      await stopChildProcess(this.child, {
        exited: this.exited,
        stepTimeoutMs: this.#killTimeoutMs,
        endStdinFirst: false,
      });
      return this.exited;
    })();
    return this.#killing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.kill().then(() => undefined);
  }
}

/**
 * Spawns `codex app-server` with piped stdio (for tests that speak raw JSON lines) and resolves
 * once the process is running. Its stderr is collected, not printed.
 */
export async function spawnAppServer(
  launch: AppServerLaunch,
  options: SpawnAppServerOptions = {},
): Promise<AppServerProcess> {
  const stderr = new OutputTail(options.stderrLines);
  for (const secret of options.redact ?? []) stderr.redact(secret);
  const child = spawn(launch.command, [...launch.args, ...(options.extraArgs ?? [])], {
    cwd: launch.cwd,
    env: launch.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      child.off("spawn", onSpawn);
      reject(
        new RealAppServerError("app_server_exited", `could not start ${launch.command}: ${error.message}`, {
          cause: error,
        }),
      );
    };
    const onSpawn = () => {
      child.off("error", onError);
      resolve();
    };
    child.once("error", onError);
    child.once("spawn", onSpawn);
  });
  child.on("error", () => {});
  return new AppServerProcess(child, stderr, options.killTimeoutMs ?? 3000);
}

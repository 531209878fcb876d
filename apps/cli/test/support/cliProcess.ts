import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const CLI_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI_MAIN = join(CLI_DIR, "dist", "main.js");

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliRunOptions {
  /** Merged over the environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Run through `script` (util-linux) so that the CLI sees a terminal on stdin and stdout. */
  pty?: boolean;
}

const DEFAULT_WAIT_MS = 30_000;

/** The built codex-chat as a child process, with its output collected and waitable. */
export class CliProcess implements AsyncDisposable {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<CliExit>;
  private out = "";
  private err = "";
  private readonly listeners = new Set<() => void>();

  constructor(args: readonly string[], options: CliRunOptions = {}) {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ NO_COLOR: "1", ...process.env, ...options.env })) {
      if (value !== undefined) env[key] = value;
    }
    const [command, commandArgs] = options.pty
      ? [
          "script",
          [
            "-q",
            "-e",
            "-c",
            `stty cols 100 rows 40; ${shellLine([process.execPath, CLI_MAIN, ...args])}`,
            "/dev/null",
          ],
        ]
      : [process.execPath, [CLI_MAIN, ...args]];
    this.child = spawn(command, commandArgs, { cwd: options.cwd ?? CLI_DIR, env, stdio: "pipe" });
    this.child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      this.out += chunk;
      this.changed();
    });
    this.child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      this.err += chunk;
      this.changed();
    });
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        this.changed();
        resolve({ code, signal });
      });
    });
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /**
   * Resolves once `pattern` appears in the stream (stdout by default, ANSI escapes removed, CRLF as
   * LF); rejects if the process ends first.
   */
  waitFor(pattern: string | RegExp, options: { stream?: "stdout" | "stderr"; timeoutMs?: number } = {}) {
    const stream = options.stream ?? "stdout";
    const found = () => {
      const text = plain(stream === "stdout" ? this.out : this.err);
      return typeof pattern === "string" ? text.includes(pattern) : pattern.test(text);
    };
    return new Promise<void>((resolve, reject) => {
      let ended = false;
      void this.exited.then(() => {
        ended = true;
        check();
      });
      const timer = setTimeout(() => fail("timed out"), options.timeoutMs ?? DEFAULT_WAIT_MS);
      const check = () => {
        if (found()) {
          done();
          resolve();
        } else if (ended) {
          fail("the CLI exited");
        }
      };
      const fail = (why: string) => {
        done();
        reject(
          new Error(
            `${why} waiting for ${String(pattern)} on ${stream}\n--- stdout ---\n${this.out}\n--- stderr ---\n${this.err}`,
          ),
        );
      };
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  write(text: string): void {
    this.child.stdin.write(text);
  }

  endInput(): void {
    this.child.stdin.end();
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Waits for the exit; a CLI still running after `timeoutMs` is killed and the wait fails. */
  async exit(timeoutMs = DEFAULT_WAIT_MS): Promise<CliExit> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill("SIGKILL");
        reject(new Error(`the CLI did not exit\n--- stdout ---\n${this.out}\n--- stderr ---\n${this.err}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** Runs the CLI to its end with stdin closed at once. */
export async function runCli(args: readonly string[], options: CliRunOptions = {}) {
  const cli = new CliProcess(args, options);
  cli.endInput();
  const exit = await cli.exit();
  return { ...exit, stdout: cli.stdout, stderr: cli.stderr };
}

function shellLine(words: readonly string[]): string {
  return words.map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(" ");
}

/** Lines of output without ANSI escapes. */
export function plain(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point.
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replaceAll("\r\n", "\n");
}

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { basename } from "node:path";
import type { JsonRpcMessage } from "@codex-app-server/protocol";
import { CodexConnectionLostError, CodexSpawnError } from "../errors/connectionErrors.js";
import { CodexTransportError, ConnectionClosedError } from "../errors/localErrors.js";
import { JsonLineDecoder } from "../jsonLineDecoder.js";
import { INSPECT, type InspectFunction, inspectSummary } from "../redactedInspect.js";
import type { Transport, TransportCloseInfo } from "../transport.js";
import { childEnv } from "./childEnv.js";
import { reapOnExit, releaseOnExit } from "./childReaper.js";
import { LineTail } from "./lineTail.js";
import { resolveCodexCommand } from "./resolveCodexCommand.js";
import { sendRefusal } from "./sendRefusal.js";
import { serializeMessage } from "./serializeMessage.js";
import { stopChildProcess } from "./stopChildProcess.js";

export interface StdioTransportOptions {
  /** The executable; see {@link resolveCodexCommand} for what is used when it is not given. */
  command?: string;
  /** Arguments replacing the default `["app-server"]`. */
  args?: string[];
  /** Arguments appended to the others, e.g. `["-c", "model=\"o3\""]`. */
  extraArgs?: string[];
  cwd?: string;
  /**
   * Set over the inherited variables (see `inheritEnv`) for the child; a key set to `undefined` is
   * removed.
   */
  env?: Record<string, string | undefined>;
  /**
   * Which of this process's environment variables the child inherits, before `env` is applied.
   * `true` (default): all of them, which is what codex expects: it reads its API keys
   * (`OPENAI_API_KEY`...), `CODEX_HOME`, proxy (`HTTPS_PROXY`, `NO_PROXY`) and certificate settings
   * from there. `false`: only {@link ESSENTIAL_ENV_KEYS} (`PATH`, `HOME`, user, shell, temporary
   * directory, locale; the system variables on Windows), so the child sees no secret you did not
   * pass in `env`. A list of names: those essentials and the names listed.
   */
  inheritEnv?: boolean | readonly string[];
  /** Largest accepted incoming message in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
  /** How many of the last stderr lines to keep for close info and errors. Default 50. */
  stderrTailLines?: number;
  /** Each escalation step of `close()` waits this long: stdin EOF, then SIGTERM, then SIGKILL. Default 2000. */
  closeTimeoutMs?: number;
  /** Every stderr line of the server, as it comes (ANSI colours removed). */
  onStderrLine?: (line: string) => void;
  /**
   * Start the server in its own process group (POSIX), so a Ctrl-C at the terminal reaches only this
   * process and not the server; the transport still reaps the child when it closes or the process exits.
   * Default false.
   */
  detached?: boolean;
  /**
   * Start the server again when it dies: the transport gets a `reopen()` that spawns a new one, and a
   * peer that reconnects (the client's `reconnect` option) hears `ondisconnect` instead of `onclose`.
   * The dead server's running turns are lost either way; its threads are on disk and can be resumed.
   * Default false.
   */
  respawn?: boolean;
}

/** `disconnected`: the server died and `respawn` is on; `reopen()` or `close()` comes next. */
type State = "new" | "starting" | "open" | "disconnected" | "closing" | "closed";

interface QueuedWrite {
  message: JsonRpcMessage;
  resolve: () => void;
  reject: (error: Error) => void;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 2000;
const DEFAULT_STDERR_TAIL_LINES = 50;
// After 'exit', how long stdout may stay open (held by a grandchild) before we stop reading it.
const STREAM_END_GRACE_MS = 500;
const IGNORED_STDIN_ERRORS = new Set(["EPIPE", "ECONNRESET", "ERR_STREAM_DESTROYED", "EOF"]);

/**
 * Runs `codex app-server` as a child process and speaks newline-delimited JSON over its stdin and
 * stdout. The child only starts in `start()`. `close()` ends stdin, then sends SIGTERM, then
 * SIGKILL, waiting `closeTimeoutMs` between steps; the child never outlives the transport, not even
 * when this process exits without closing it.
 */
export class StdioTransport implements Transport {
  onmessage?: (message: JsonRpcMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: TransportCloseInfo) => void;
  ondisconnect?: (info: TransportCloseInfo) => void;
  /** Spawns a new server after the last one died; only with `respawn: true`. */
  readonly reopen?: (signal?: AbortSignal) => Promise<void>;

  readonly label: string;
  /** The program that runs (or will run), after resolution. */
  readonly command: string;
  readonly args: readonly string[];

  // Truly private: `env` may hold API keys, and nothing that walks an object's fields may find them.
  readonly #options: StdioTransportOptions;
  private readonly closeTimeoutMs: number;
  private decoder: JsonLineDecoder;
  private readonly stderr: LineTail;
  private readonly queue: QueuedWrite[] = [];
  private state: State = "new";
  private child: ChildProcessWithoutNullStreams | undefined;
  private waitingForDrain = false;
  private closeRequested = false;
  private closeNotified = false;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private resolveEnded!: () => void;
  /** Settles when the current child is gone (a new promise for each respawned one). */
  private ended = this.newEnded();
  private respawning = false;

  constructor(options: StdioTransportOptions = {}) {
    this.#options = options;
    const resolved = resolveCodexCommand({
      command: options.command,
      args: options.args,
      extraArgs: options.extraArgs,
    });
    this.command = resolved.command;
    this.args = resolved.args;
    this.label = `stdio:${basename(resolved.command)}`;
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.decoder = this.newDecoder();
    this.stderr = new LineTail(options.stderrTailLines ?? DEFAULT_STDERR_TAIL_LINES, options.onStderrLine);
    if (options.respawn) this.reopen = (signal) => this.respawn(signal);
  }

  private newDecoder(): JsonLineDecoder {
    return new JsonLineDecoder({
      maxMessageBytes: this.#options.maxMessageBytes,
      onMessage: (message) => this.deliver(message),
      onError: (error) => this.onerror?.(error),
    });
  }

  private newEnded(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.resolveEnded = resolve;
    });
  }

  /** Spawns a new server after `ondisconnect`; rejects (and stays disconnected) when it cannot start. */
  private async respawn(signal?: AbortSignal): Promise<void> {
    if (this.state !== "disconnected") {
      throw this.closeRequested || this.state === "closed"
        ? new ConnectionClosedError(`${this.label} is closed`)
        : new CodexTransportError(`${this.label}: reopen() is for a server that died (state ${this.state})`, {
            code: "invalid_state",
          });
    }
    signal?.throwIfAborted();
    this.state = "starting";
    this.respawning = true;
    this.ended = this.newEnded();
    this.decoder = this.newDecoder();
    this.starting = this.spawnChild();
    try {
      await this.starting;
    } finally {
      this.respawning = false;
    }
  }

  /** What `JSON.stringify` shows of the transport: label, program, arguments, pid and state; never `env`. */
  toJSON(): {
    label: string;
    command: string;
    args: readonly string[];
    pid: number | undefined;
    state: string;
  } {
    return { label: this.label, command: this.command, args: this.args, pid: this.pid, state: this.state };
  }

  /** What `util.inspect` and `console.log` show: the same as {@link toJSON}. */
  [INSPECT](_depth: number, options: object | undefined, inspect: InspectFunction | undefined): string {
    return inspectSummary("StdioTransport", this.toJSON(), options, inspect);
  }

  /** The child's process id once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Bytes handed to the child's stdin and not yet taken by the OS. Messages waiting for `drain` are not serialized yet. */
  get bufferedAmount(): number {
    return this.child?.stdin.writableLength ?? 0;
  }

  /** Resolves once the process runs; rejects with {@link CodexSpawnError} if it cannot be started. */
  start(): Promise<void> {
    if (this.state !== "new") {
      return Promise.reject(
        this.closeRequested || this.state === "closed"
          ? new ConnectionClosedError(`${this.label} is closed`)
          : new CodexTransportError(`${this.label} was already started`, { code: "already_started" }),
      );
    }
    this.state = "starting";
    this.starting = this.spawnChild();
    return this.starting;
  }

  /**
   * Writes one JSON line. Resolves once the OS took it; while the pipe is full, later messages wait
   * (unserialized, so do not mutate them before this resolves) until it drains.
   */
  send(message: JsonRpcMessage): Promise<void> {
    if (this.state === "open") {
      return new Promise<void>((resolve, reject) => {
        this.queue.push({ message, resolve, reject });
        this.flush();
      });
    }
    if (this.state === "disconnected" || this.respawning) {
      return Promise.reject(
        new CodexConnectionLostError(
          `cannot send on ${this.label}: the app-server died and is being restarted`,
          {
            reason: "the app-server died",
          },
        ),
      );
    }
    return sendRefusal(this.label, this.state === "new" || this.state === "starting");
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async spawnChild(): Promise<void> {
    const env = childEnv(this.#options.inheritEnv, this.#options.env);
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(this.command, [...this.args], {
        cwd: this.#options.cwd,
        env,
        stdio: ["pipe", "pipe", "pipe"],
        windowsHide: true,
        detached: this.#options.detached ?? false,
      });
    } catch (cause) {
      this.state = this.respawning ? "disconnected" : "closed";
      this.resolveEnded();
      throw this.spawnError(cause);
    }
    this.child = child;
    child.stdout.on("data", (chunk: Buffer) => this.decoder.push(chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => this.stderr.push(text));
    child.stdin.on("drain", () => {
      this.waitingForDrain = false;
      this.flush();
    });
    child.stdin.on("error", (error: NodeJS.ErrnoException) => {
      // A dead child shows up as EPIPE here and as 'exit' on the process; the latter reports it.
      if (!IGNORED_STDIN_ERRORS.has(error.code ?? "")) this.reportError(error);
    });
    child.stdout.on("error", (error) => this.reportError(error));
    child.stderr.on("error", (error) => this.reportError(error));
    child.on("exit", (code, signal) => this.onExit(code, signal));
    child.on("close", (code, signal) => this.finish(code, signal));

    try {
      await new Promise<void>((resolve, reject) => {
        child.once("spawn", () => {
          child.off("error", reject);
          resolve();
        });
        child.once("error", reject);
      });
    } catch (cause) {
      this.state = this.respawning ? "disconnected" : "closed";
      this.resolveEnded();
      throw this.spawnError(cause);
    }
    child.on("error", (error) => this.reportError(error));
    reapOnExit(child);
    if (this.state === "starting") this.state = "open";
  }

  private flush(): void {
    const stdin = this.child?.stdin;
    while (stdin && this.state === "open" && !this.waitingForDrain && this.queue.length > 0) {
      const item = this.queue.shift() as QueuedWrite;
      let line: string;
      try {
        line = `${serializeMessage(item.message)}\n`;
      } catch (error) {
        item.reject(error as Error);
        continue;
      }
      const written = stdin.write(line, (error) => {
        if (!error) return item.resolve();
        if (IGNORED_STDIN_ERRORS.has((error as NodeJS.ErrnoException).code ?? "")) {
          // The child is gone: answer once it has been reaped, with its exit status and stderr tail.
          void this.ended.then(() =>
            item.reject(
              this.closedError(
                `could not write to ${this.label}: the app-server ${describeExit(this.child?.exitCode ?? null, this.child?.signalCode ?? null)}`,
                error,
              ),
            ),
          );
        } else {
          item.reject(this.closedError(`could not write to ${this.label}`, error));
        }
      });
      if (!written) this.waitingForDrain = true;
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.state === "closed" || this.state === "starting" || this.state === "disconnected") return;
    this.rejectQueued(code, signal);
    this.graceTimer = setTimeout(() => {
      this.child?.stdout.destroy();
      this.child?.stderr.destroy();
      this.finish(code, signal);
    }, STREAM_END_GRACE_MS);
    this.graceTimer.unref();
  }

  private finish(code: number | null, signal: NodeJS.Signals | null): void {
    // While starting, a failed spawn is reported by start() itself.
    if (this.state === "closed" || this.state === "starting" || this.state === "disconnected") return;
    this.state = "closed";
    clearTimeout(this.graceTimer);
    const child = this.child;
    if (child) {
      releaseOnExit(child);
      child.stdin.destroy();
    }
    this.decoder.end();
    this.stderr.flush();
    this.rejectQueued(code, signal);
    this.resolveEnded();

    const stderrTail = this.stderr.text();
    const exit = describeExit(code, signal);
    const info: TransportCloseInfo = {
      reason: this.closeRequested ? `closed by client (${exit})` : exit,
      exitCode: code,
      signal,
      stderrTail,
    };
    if (!this.closeRequested) {
      const last = this.stderr.lastLine();
      const hint = last ? `; last stderr line: ${last.length > 300 ? `${last.slice(0, 300)}…` : last}` : "";
      info.error = new ConnectionClosedError(`${this.label}: the app-server ${exit}${hint}`, {
        reason: exit,
        exitCode: code,
        signal,
        stderrTail,
      });
      if (this.reopen !== undefined && this.ondisconnect !== undefined) {
        this.state = "disconnected";
        this.ondisconnect(info);
        return;
      }
    }
    this.notifyClose(info);
  }

  private notifyClose(info: TransportCloseInfo): void {
    if (this.closeNotified) return;
    this.closeNotified = true;
    this.onclose?.(info);
  }

  private async shutdown(): Promise<void> {
    this.closeRequested = true;
    if (this.state === "starting") await this.starting?.catch(() => undefined);
    const child = this.child;
    if (this.state === "new" || this.state === "closed" || this.state === "disconnected" || !child) {
      this.state = "closed";
      this.resolveEnded();
      this.notifyClose({ reason: "closed by client" });
      return;
    }
    this.state = "closing";
    this.rejectQueued(null, null);

    if (await stopChildProcess(child, { exited: this.ended, stepTimeoutMs: this.closeTimeoutMs })) return;
    // Not even SIGKILL ended it in time (a process stuck in the kernel): stop waiting for it.
    child.stdout.destroy();
    child.stderr.destroy();
    this.finish(child.exitCode, child.signalCode);
  }

  private rejectQueued(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.queue.length === 0) return;
    const why = this.closeRequested
      ? "the transport was closed"
      : `the app-server ${describeExit(code, signal)}`;
    for (const item of this.queue.splice(0)) {
      item.reject(this.closedError(`${this.label}: message not sent, ${why}`));
    }
  }

  private closedError(message: string, cause?: unknown): ConnectionClosedError {
    return new ConnectionClosedError(message, {
      cause,
      exitCode: this.child?.exitCode,
      signal: this.child?.signalCode,
      stderrTail: this.stderr.text(),
    });
  }

  private deliver(message: JsonRpcMessage): void {
    try {
      this.onmessage?.(message);
    } catch (error) {
      // A throwing handler must not cost the other messages of the same chunk.
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private reportError(error: Error): void {
    this.onerror?.(new CodexTransportError(`${this.label}: ${error.message}`, { cause: error }));
  }

  private spawnError(cause: unknown): CodexSpawnError {
    const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
    const cwd = this.#options.cwd;
    let why: string;
    if (errno === "ENOENT" && cwd !== undefined && !existsSync(cwd)) {
      why = `the working directory ${cwd} does not exist`;
    } else if (errno === "ENOENT") {
      why = "command not found (install @openai/codex, pass `command`, or set CODEX_APP_SERVER_CMD)";
    } else if (errno === "EACCES") {
      why = "permission denied (is it executable?)";
    } else {
      why = cause instanceof Error ? cause.message : String(cause);
    }
    return new CodexSpawnError(`could not start ${this.command}: ${why}`, {
      cause,
      command: this.command,
      errno,
    });
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | string | null): string {
  if (signal) return `process was killed by ${signal}`;
  if (code === null) return "process ended";
  return `process exited with code ${code}`;
}

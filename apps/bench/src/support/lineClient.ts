import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";

/** A command to run: what `StdioTransport` takes as `command` and `args`. */
export interface ChildCommand {
  command: string;
  args: string[];
}

/** Any message read from the child: the bare reader does not classify or check anything. */
export type RawMessage = Record<string, unknown> & { id?: number; method?: string; result?: unknown };

interface Pending {
  resolve: (message: RawMessage) => void;
  reject: (error: Error) => void;
}

/**
 * The baseline client: a child process spoken to in JSON lines with nothing in between. Reading is
 * what any hand-written loop does: stdout decoded as UTF-8, split on newlines, `JSON.parse` each line,
 * responses matched to requests by id, everything else handed to `onMessage`.
 */
export class LineClient {
  onMessage: (message: RawMessage) => void = () => {};
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private rest = "";
  private readonly exited: Promise<unknown>;
  private stderrTail = "";

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.child = child;
    this.exited = once(child, "exit");
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => this.read(text));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-2000);
    });
    child.on("exit", (code, signal) => {
      const error = new Error(`the child exited (code ${code}, signal ${signal}): ${this.stderrTail}`);
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
    });
  }

  /** Spawns the child and waits until it runs. */
  static async spawn(
    command: ChildCommand,
    options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
  ): Promise<LineClient> {
    const child = spawn(command.command, command.args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: options.env,
      cwd: options.cwd,
    });
    await once(child, "spawn");
    return new LineClient(child);
  }

  /** Writes one message as a JSON line. */
  send(message: object): void {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** Sends a request and resolves with the whole response message (result or error). */
  call(method: string, params?: unknown): Promise<RawMessage> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send(params === undefined ? { id, method } : { id, method, params });
    });
  }

  /** `initialize` then `initialized`, as every client starts. */
  async initialize(): Promise<void> {
    const response = await this.call("initialize", {
      clientInfo: { name: "bench-baseline", title: null, version: "0.0.0" },
    });
    if (response.error !== undefined) throw new Error(`initialize failed: ${JSON.stringify(response.error)}`);
    this.send({ method: "initialized" });
  }

  /** Ends stdin and waits for the child to exit; kills it if it does not within `timeoutMs`. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private read(text: string): void {
    let buffer = this.rest.length === 0 ? text : this.rest + text;
    let start = 0;
    let newline = buffer.indexOf("\n", start);
    while (newline !== -1) {
      const message = JSON.parse(buffer.slice(start, newline)) as RawMessage;
      const id = message.id;
      if (id !== undefined && message.method === undefined) {
        const pending = this.pending.get(id);
        if (pending !== undefined) {
          this.pending.delete(id);
          pending.resolve(message);
        }
      } else {
        this.onMessage(message);
      }
      start = newline + 1;
      newline = buffer.indexOf("\n", start);
    }
    buffer = start === buffer.length ? "" : buffer.slice(start);
    this.rest = buffer;
  }
}

import type { Interface } from "node:readline";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";

/**
 * readline's output, passed through only while a question is asked: keys typed during a turn are
 * kept (they become the next answers) without being echoed over the turn's output.
 */
class GatedOutput extends Writable {
  open = false;
  private readonly target: NodeJS.WritableStream & { columns?: number; rows?: number };

  constructor(target: NodeJS.WritableStream & { columns?: number; rows?: number }) {
    super();
    this.target = target;
  }

  get columns(): number | undefined {
    return this.target.columns;
  }

  get rows(): number | undefined {
    return this.target.rows;
  }

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ) {
    // Synchronously, so that opening and closing the gate applies to the writes made before it.
    if (this.open) this.target.write(chunk);
    callback();
  }
}

export interface AskOptions {
  signal?: AbortSignal;
  /**
   * When the input is not a terminal (piped lines), neither the prompt nor the answer is written:
   * the caller shows the line its own way. By default both are written, so a transcript reads
   * `approve? [y/N] y`.
   */
  quietWhenPiped?: boolean;
}

/**
 * Lines from stdin, one `ask` at a time, through one readline interface kept for the whole session.
 * Lines that arrive while nobody asks are queued for the next `ask`. On a terminal, readline keeps
 * the input in raw mode, so Ctrl-C arrives as a key (reported through `onInterrupt`) instead of a
 * SIGINT to the whole process group, which would also kill the app-server child.
 */
export class LineInput {
  private readonly input: NodeJS.ReadableStream & { isTTY?: boolean };
  private readonly gate: GatedOutput;
  private readonly onInterrupt: () => void;
  private readonly terminal: boolean;
  private rl: Interface | undefined;
  private readonly queue: string[] = [];
  private waiter: ((line: string | null) => void) | undefined;
  private ended = false;

  constructor(
    input: NodeJS.ReadableStream & { isTTY?: boolean },
    output: NodeJS.WritableStream & { columns?: number },
    onInterrupt: () => void,
  ) {
    this.input = input;
    this.gate = new GatedOutput(output);
    this.onInterrupt = onInterrupt;
    this.terminal = input.isTTY === true;
  }

  /** True when the input is a terminal (lines are typed, and echoed by readline). */
  get isTerminal(): boolean {
    return this.terminal;
  }

  /** Starts reading (on a terminal: takes raw mode). Idempotent; `ask` starts it too. */
  start(): void {
    if (this.rl || this.ended) return;
    const rl = createInterface({ input: this.input, output: this.gate, terminal: this.terminal });
    rl.on("line", (line) => {
      const waiter = this.waiter;
      if (waiter) {
        this.waiter = undefined;
        waiter(line);
      } else {
        this.queue.push(line);
      }
    });
    rl.on("close", () => {
      // Ctrl-D at a prompt: leave the prompt's line.
      if (this.waiter !== undefined && this.gate.open && this.terminal) this.writeThrough("\n");
      this.ended = true;
      this.rl = undefined;
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.(null);
    });
    rl.on("SIGINT", () => this.onInterrupt());
    this.rl = rl;
  }

  /** The next line, or `null` at the end of the input or when `signal` aborts. */
  ask(prompt: string, options: AskOptions = {}): Promise<string | null> {
    this.start();
    const show = this.terminal || !options.quietWhenPiped;
    const queued = this.queue.shift();
    if (queued !== undefined) {
      if (show) this.writeThrough(`${prompt}${queued}\n`);
      return Promise.resolve(queued);
    }
    const rl = this.rl;
    if (rl === undefined || options.signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const signal = options.signal;
      const finish = (line: string | null) => {
        signal?.removeEventListener("abort", onAbort);
        if (line !== null && show && !this.terminal) this.writeThrough(`${line}\n`);
        this.gate.open = false;
        resolve(line);
      };
      const onAbort = () => {
        if (this.waiter !== finish) return;
        this.waiter = undefined;
        if (this.terminal) {
          // Drop what was typed so far and leave the prompt's line.
          rl.write(null, { ctrl: true, name: "u" });
          this.writeThrough("\n");
        } else if (show) {
          this.writeThrough("\n");
        }
        finish(null);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiter = finish;
      if (show) {
        this.gate.open = true;
        rl.setPrompt(prompt);
        rl.prompt(true);
      }
    });
  }

  /** Stops reading; a pending `ask` gets `null`. On a terminal, leaves raw mode. */
  close(): void {
    this.rl?.close();
    this.ended = true;
  }

  private writeThrough(text: string): void {
    const open = this.gate.open;
    this.gate.open = true;
    this.gate.write(text);
    this.gate.open = open;
  }
}

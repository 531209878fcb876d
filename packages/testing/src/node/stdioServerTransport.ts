import type { Readable, Writable } from "node:stream";
// Taken from the module, not the global: fake timers in a test must not stall the output.
import { setImmediate } from "node:timers";
import type { JsonRpcMessage } from "@codex-app-server/protocol";
import type { TransportCloseInfo } from "@codex-app-server/transport";
import { ConnectionClosedError, JsonLineDecoder } from "@codex-app-server/transport";
import type { FakeServerTransport } from "../fake/fakeSession.js";

export interface StdioServerTransportOptions {
  /** Where client messages come from. Default `process.stdin`. */
  input?: Readable;
  /** Where server messages go. Default `process.stdout`. */
  output?: Writable;
  /** Largest accepted incoming line in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
}

/** Above this many buffered characters, `send` waits for the output to drain: small enough that the reader works in parallel. */
const HIGH_WATER_MARK = 256 * 1024;
const RESOLVED = Promise.resolve();

function noop(): void {}

/**
 * The server's end of a newline-delimited JSON connection over a pair of streams (a process's
 * stdin and stdout). Writes made in the same turn of the event loop go out as one `write`, so a
 * burst of 100,000 notifications costs a handful of writes; `send` waits only when more than
 * 256 KiB is buffered. The connection ends when the input ends.
 */
export class StdioServerTransport implements FakeServerTransport {
  onmessage?: (message: JsonRpcMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: TransportCloseInfo) => void;
  readonly label = "stdio:server";

  private readonly input: Readable;
  private readonly output: Writable;
  private readonly decoder: JsonLineDecoder;
  private pending: string[] = [];
  private pendingChars = 0;
  private flushScheduled = false;
  /** Shared by every `send` made while over the high-water mark, until the next flush drains. */
  private drained: { promise: Promise<void>; resolve: () => void } | undefined;
  private state: "new" | "open" | "closed" = "new";
  private readonly onData = (chunk: Buffer) => this.decoder.push(chunk);
  private readonly onEnd = () => {
    this.decoder.end();
    this.finish({ reason: "the input ended" });
  };
  private readonly onInputError = (error: Error) => this.onerror?.(error);
  // Stays attached after the close: a reader that went away must not crash the process with EPIPE.
  private readonly onOutputError = (error: NodeJS.ErrnoException) => {
    if (this.state === "closed") return;
    if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED")
      this.finish({ reason: "the output closed" });
    else this.onerror?.(error);
  };

  constructor(options: StdioServerTransportOptions = {}) {
    this.input = options.input ?? process.stdin;
    this.output = options.output ?? process.stdout;
    this.decoder = new JsonLineDecoder({
      maxMessageBytes: options.maxMessageBytes,
      onMessage: (message) => this.onmessage?.(message),
      onError: (error) => this.onerror?.(error),
    });
  }

  async start(): Promise<void> {
    if (this.state !== "new")
      throw new ConnectionClosedError(`${this.label} was started already or is closed`);
    this.state = "open";
    this.input.on("data", this.onData);
    this.input.on("end", this.onEnd);
    this.input.on("error", this.onInputError);
    this.output.on("error", this.onOutputError);
  }

  send(message: JsonRpcMessage): Promise<void> {
    return this.write(`${JSON.stringify(message)}\n`);
  }

  /** Writes `line` as it is (a newline is added when missing): how the fake sends a malformed line. */
  sendRaw(line: string): Promise<void> {
    return this.write(line.endsWith("\n") ? line : `${line}\n`);
  }

  /** Writes what is buffered, then stops reading and reports the close. The streams stay open. */
  async close(): Promise<void> {
    this.flush();
    this.finish({ reason: "closed by the server" });
  }

  /** Ends the connection with no goodbye, after writing what was already sent (the `dropConnection` step). */
  abort(): void {
    this.flush();
    this.finish({ reason: "dropped by the server" });
  }

  /** Resolves once everything written so far has been handed to the OS. */
  flushed(): Promise<void> {
    this.flush();
    if (this.output.writableLength === 0) return RESOLVED;
    return new Promise((resolve) => this.output.write("", () => resolve()));
  }

  private write(text: string): Promise<void> {
    if (this.state !== "open")
      return Promise.reject(
        new ConnectionClosedError(`cannot send on ${this.label}: the transport is closed`),
      );
    this.pending.push(text);
    this.pendingChars += text.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    if (this.pendingChars + this.output.writableLength < HIGH_WATER_MARK) return RESOLVED;
    if (this.drained === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.drained = { promise, resolve };
    }
    return this.drained.promise;
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const chunk = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join("");
    this.pending = [];
    this.pendingChars = 0;
    const release = this.drained?.resolve ?? noop;
    this.drained = undefined;
    if (this.output.destroyed) {
      release();
      return;
    }
    if (this.output.write(chunk)) release();
    else this.output.once("drain", release);
  }

  private finish(info: TransportCloseInfo): void {
    if (this.state === "closed") return;
    const wasOpen = this.state === "open";
    this.state = "closed";
    this.input.off("data", this.onData);
    this.input.off("end", this.onEnd);
    this.input.off("error", this.onInputError);
    if (wasOpen) this.input.pause();
    this.drained?.resolve();
    this.drained = undefined;
    this.onclose?.(info);
  }
}

import type { JsonRpcMessage } from "@codex-app-server/protocol";
import { CodexInvalidMessageError, CodexMessageTooLargeError } from "./errors/connectionErrors.js";
import type { CodexTransportError } from "./errors/localErrors.js";

/**
 * 64 MiB. `thread/read` with `includeTurns` answers with a thread's whole history in one line
 * (every command's output, every diff); long sessions reach tens of MiB. The bound is there to stop
 * a runaway line from eating the heap, not to police normal traffic.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const EXCERPT_CHARS = 120;

export interface JsonLineDecoderOptions {
  /** Largest accepted line in bytes, without its newline. Default {@link DEFAULT_MAX_MESSAGE_BYTES}. */
  maxMessageBytes?: number;
  onMessage: (message: JsonRpcMessage) => void;
  /** A line that was skipped: too large, not UTF-8, not JSON, not a JSON object. Decoding goes on. */
  onError: (error: CodexTransportError) => void;
}

/**
 * Newline-delimited JSON framing over byte chunks. Incomplete lines are kept as a list of chunks and
 * joined once, when their newline arrives; a line that sits inside one chunk is decoded from a view
 * of it, with no copy. Each line is decoded as strict UTF-8 and parsed exactly once.
 *
 * Chunks are referenced, not copied, until their line completes: do not reuse a chunk after `push`.
 */
export class JsonLineDecoder {
  private readonly maxMessageBytes: number;
  private readonly onMessage: (message: JsonRpcMessage) => void;
  private readonly onError: (error: CodexTransportError) => void;
  private readonly textDecoder = new TextDecoder("utf-8", { fatal: true });
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private discarding = false;

  constructor(options: JsonLineDecoderOptions) {
    const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isSafeInteger(max) || max <= 0) {
      throw new RangeError(`maxMessageBytes must be a positive integer, got ${String(max)}`);
    }
    this.maxMessageBytes = max;
    this.onMessage = options.onMessage;
    this.onError = options.onError;
  }

  /** Bytes held for the current incomplete line. Never more than `maxMessageBytes`. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  push(chunk: Uint8Array): void {
    const length = chunk.length;
    let start = 0;
    while (start < length) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) {
        this.keep(chunk, start);
        return;
      }
      if (this.discarding) {
        this.discarding = false;
      } else if (this.pendingBytes === 0) {
        this.handleLine(chunk.subarray(start, newline), false);
      } else {
        this.lineFromPending(chunk, start, newline);
      }
      start = newline + 1;
    }
  }

  /** The input ended: a last line without its newline is still decoded; a cut-off one is reported. */
  end(): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (this.pendingBytes > 0) this.handleLine(this.takePending(undefined, 0, 0), true);
  }

  private keep(chunk: Uint8Array, start: number): void {
    if (this.discarding) return;
    const total = this.pendingBytes + (chunk.length - start);
    // +1 everywhere a line still holds its \r, which does not count towards the limit.
    if (total > this.maxMessageBytes + 1) {
      this.pending = [];
      this.pendingBytes = 0;
      this.discarding = true;
      this.onError(new CodexMessageTooLargeError(this.maxMessageBytes, total));
      return;
    }
    this.pending.push(start === 0 ? chunk : chunk.subarray(start));
    this.pendingBytes = total;
  }

  private lineFromPending(chunk: Uint8Array, start: number, newline: number): void {
    const total = this.pendingBytes + (newline - start);
    if (total > this.maxMessageBytes + 1) {
      this.pending = [];
      this.pendingBytes = 0;
      this.onError(new CodexMessageTooLargeError(this.maxMessageBytes, total));
      return;
    }
    this.handleLine(this.takePending(chunk, start, newline), false);
  }

  private takePending(chunk: Uint8Array | undefined, start: number, end: number): Uint8Array {
    const tail = end - start;
    const bytes = new Uint8Array(this.pendingBytes + tail);
    let offset = 0;
    for (const part of this.pending) {
      bytes.set(part, offset);
      offset += part.length;
    }
    if (chunk && tail > 0) bytes.set(chunk.subarray(start, end), offset);
    this.pending = [];
    this.pendingBytes = 0;
    return bytes;
  }

  private handleLine(raw: Uint8Array, atEnd: boolean): void {
    const line = raw.length > 0 && raw[raw.length - 1] === CARRIAGE_RETURN ? raw.subarray(0, -1) : raw;
    if (line.length === 0) return;
    if (line.length > this.maxMessageBytes) {
      this.onError(new CodexMessageTooLargeError(this.maxMessageBytes, line.length));
      return;
    }
    const text = this.decode(line);
    if (text === undefined) return;
    let message: JsonRpcMessage;
    try {
      message = parseJsonMessage(text);
    } catch (error) {
      this.onError(
        atEnd
          ? new CodexInvalidMessageError(
              "truncated",
              `the input ended in the middle of a message (${line.length} bytes without a newline)`,
              { cause: error, excerpt: excerptOf(text) },
            )
          : (error as CodexInvalidMessageError),
      );
      return;
    }
    this.onMessage(message);
  }

  private decode(bytes: Uint8Array): string | undefined {
    try {
      return this.textDecoder.decode(bytes);
    } catch (cause) {
      this.onError(
        new CodexInvalidMessageError(
          "utf8",
          `skipped a ${bytes.length}-byte message that is not valid UTF-8`,
          {
            cause,
          },
        ),
      );
      return undefined;
    }
  }
}

/**
 * Parse one message's text. Throws {@link CodexInvalidMessageError} when it is not JSON or not a
 * JSON object; the error carries a short excerpt, never the whole text.
 */
export function parseJsonMessage(text: string): JsonRpcMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    const excerpt = excerptOf(text);
    throw new CodexInvalidMessageError(
      "json",
      `skipped a message that is not JSON (${text.length} chars): ${JSON.stringify(excerpt)}`,
      { cause, excerpt },
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const excerpt = excerptOf(text);
    throw new CodexInvalidMessageError(
      "not_object",
      `skipped a message that is not a JSON object: ${JSON.stringify(excerpt)}`,
      { excerpt },
    );
  }
  return value as JsonRpcMessage;
}

function excerptOf(text: string): string {
  return text.length <= EXCERPT_CHARS ? text : `${text.slice(0, EXCERPT_CHARS)}…`;
}

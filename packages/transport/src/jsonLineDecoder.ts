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
const BYTE_ORDER_MARK = 0xfeff;
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
 * joined once, when their newline arrives. The complete lines that sit inside one chunk are decoded
 * together, in one strict UTF-8 decode of their span, then split and parsed line by line, and their
 * messages are delivered once the span is parsed (a bad line's error after the messages before it);
 * when that span is not valid UTF-8 (or could hold a line over the limit) its lines are decoded one
 * by one, so a bad line is reported alone and its neighbours still arrive. Either way each line is
 * parsed once, and the outcome (messages, errors, their order) is the same.
 *
 * Chunks are referenced, not copied, until their line completes: do not reuse a chunk after `push`.
 */
export class JsonLineDecoder {
  private readonly maxMessageBytes: number;
  private readonly onMessage: (message: JsonRpcMessage) => void;
  private readonly onError: (error: CodexTransportError) => void;
  // Keeps a leading BOM, so that every line of a span, not only the first, drops its own in `textLine`.
  private readonly textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
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
    const first = chunk.indexOf(NEWLINE);
    if (first === -1) {
      this.keep(chunk, 0);
      return;
    }
    let start = 0;
    if (this.discarding) {
      this.discarding = false;
      start = first + 1;
    } else if (this.pendingBytes > 0) {
      this.lineFromPending(chunk, 0, first);
      start = first + 1;
    }
    const last = chunk.lastIndexOf(NEWLINE);
    if (last >= start) {
      this.completeLines(chunk, start, last);
      start = last + 1;
    }
    if (start < length) this.keep(chunk, start);
  }

  /** The lines of `chunk[start, end)`, where `end` is a newline and no earlier line is pending. */
  private completeLines(chunk: Uint8Array, start: number, end: number): void {
    let text: string | undefined;
    // A span no longer than the limit cannot hold a line over it.
    if (end - start <= this.maxMessageBytes) {
      try {
        text = this.textDecoder.decode(chunk.subarray(start, end));
      } catch {
        text = undefined;
      }
    }
    if (text === undefined) {
      this.linesOneByOne(chunk, start, end);
      return;
    }
    // Parse the whole span, then deliver: parsing in one run, rather than between deliveries, is
    // about a tenth faster on a stream of small messages. Order is kept (see `textLine`).
    const batch: JsonRpcMessage[] = [];
    let from = 0;
    while (from <= text.length) {
      let to = text.indexOf("\n", from);
      if (to === -1) to = text.length;
      this.textLine(text, from, to, false, 0, batch);
      from = to + 1;
    }
    this.deliver(batch);
  }

  /** Hands over the parsed messages, in order, and empties `batch`. */
  private deliver(batch: JsonRpcMessage[]): void {
    const onMessage = this.onMessage;
    const count = batch.length;
    for (let i = 0; i < count; i++) onMessage(batch[i] as JsonRpcMessage);
    batch.length = 0;
  }

  private linesOneByOne(chunk: Uint8Array, start: number, end: number): void {
    while (start <= end) {
      const newline = chunk.indexOf(NEWLINE, start);
      this.handleLine(chunk.subarray(start, newline), false);
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
    const byteLength =
      raw.length > 0 && raw[raw.length - 1] === CARRIAGE_RETURN ? raw.length - 1 : raw.length;
    if (byteLength === 0) return;
    if (byteLength > this.maxMessageBytes) {
      this.onError(new CodexMessageTooLargeError(this.maxMessageBytes, byteLength));
      return;
    }
    let text: string;
    try {
      text = this.textDecoder.decode(raw);
    } catch (cause) {
      this.onError(
        new CodexInvalidMessageError("utf8", `skipped a ${byteLength}-byte message that is not valid UTF-8`, {
          cause,
        }),
      );
      return;
    }
    this.textLine(text, 0, text.length, atEnd, byteLength);
  }

  /**
   * Parses `text[from, to)` without its trailing `\r` and leading BOM; an empty line is skipped. With
   * a `batch`, the message is added to it, and a line that fails first delivers the messages before it.
   */
  private textLine(
    text: string,
    from: number,
    to: number,
    atEnd: boolean,
    byteLength: number,
    batch?: JsonRpcMessage[],
  ): void {
    if (to > from && text.charCodeAt(to - 1) === CARRIAGE_RETURN) to--;
    if (to === from) return;
    if (text.charCodeAt(from) === BYTE_ORDER_MARK) from++;
    const line = text.slice(from, to);
    let message: JsonRpcMessage;
    try {
      message = parseJsonMessage(line);
    } catch (error) {
      if (batch !== undefined) this.deliver(batch);
      this.onError(
        atEnd
          ? new CodexInvalidMessageError(
              "truncated",
              `the input ended in the middle of a message (${byteLength} bytes without a newline)`,
              { cause: error, excerpt: excerptOf(line) },
            )
          : (error as CodexInvalidMessageError),
      );
      return;
    }
    if (batch === undefined) this.onMessage(message);
    else batch.push(message);
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
      { cause: detachedSyntaxError(cause), excerpt },
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

/**
 * The first {@link EXCERPT_CHARS} characters, in a string of their own. A plain `slice` is not
 * enough: the engine may keep a slice as a view into its parent, and an error holding that view
 * would keep a 50 MB line alive for as long as someone keeps the error.
 */
function excerptOf(text: string): string {
  return text.length <= EXCERPT_CHARS ? detached(text) : `${detached(text.slice(0, EXCERPT_CHARS))}…`;
}

/** A copy of `text` that shares no storage with it (`join` always builds a new string). */
function detached(text: string): string {
  return text.split("").join("");
}

/** `JSON.parse`'s error, rebuilt with a bounded message of its own: it must not hold on to the input. */
function detachedSyntaxError(error: unknown): SyntaxError {
  const message = error instanceof Error ? error.message : String(error);
  return new SyntaxError(detached(message.length <= 200 ? message : `${message.slice(0, 200)}…`));
}

import type { JsonRpcMessage } from "@codex-app-server/protocol";
import {
  CodexConnectionLostError,
  CodexInvalidMessageError,
  CodexKeepAliveTimeoutError,
  CodexMessageTooLargeError,
} from "../errors/connectionErrors.js";
import { CodexTransportError, ConnectionClosedError } from "../errors/localErrors.js";
import { parseJsonMessage } from "../jsonLineDecoder.js";
import { INSPECT, type InspectFunction, inspectSummary } from "../redactedInspect.js";
import type { Transport, TransportCloseInfo } from "../transport.js";
import type { KeepAliveSettings } from "./keepAlive.js";
import { resolvesWithin } from "./resolvesWithin.js";
import { sendRefusal } from "./sendRefusal.js";
import { serializeMessage } from "./serializeMessage.js";
import { redact, type SocketConnection, type SocketConnector } from "./socketConnection.js";

/** `disconnected`: the connection dropped, `ondisconnect` was told; `reopen()` or `close()` comes next. */
type State = "new" | "connecting" | "open" | "disconnected" | "reconnecting" | "closing" | "closed";

interface QueuedSend {
  message: JsonRpcMessage;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** While more than this many bytes wait in the socket, further messages stay queued in the transport. */
const HIGH_WATER_MARK = 1024 * 1024;
const NORMAL_CLOSURE = 1000;
/** What a dropped connection reports: no closing handshake took place. */
const ABNORMAL_CLOSURE = 1006;

/** Timers never keep a Node process alive; elsewhere a timer may be a plain number. */
function unref(timer: unknown): void {
  (timer as { unref?: () => void }).unref?.();
}

export interface MessageSocketTransportSettings {
  label: string;
  connect: SocketConnector;
  closeTimeoutMs: number;
  /** Largest accepted text frame, enforced here when the socket library does not. */
  maxMessageBytes: number;
  /** Strings scrubbed from every close reason and error text we build from what the server sent. */
  secrets: readonly string[];
  /** Ping settings; `null`: no pings. Ignored when the connection cannot ping. */
  keepAlive: KeepAliveSettings | null;
}

/**
 * A transport over a message-oriented socket (WebSocket over TCP or over a Unix socket): every text
 * frame is one JSON-RPC message, parsed once. The concrete transports only say how to connect.
 */
export abstract class MessageSocketTransport implements Transport {
  onmessage?: (message: JsonRpcMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: TransportCloseInfo) => void;
  ondisconnect?: (info: TransportCloseInfo) => void;
  readonly label: string;

  // Truly private: the settings hold the secrets, and nothing that walks an object's fields may find them.
  readonly #settings: MessageSocketTransportSettings;
  private readonly queue: QueuedSend[] = [];
  private abortConnect = new AbortController();
  /** Why the connection dropped, while `disconnected` or `reconnecting`. */
  private lostReason = "";
  private generation = 0;
  private state: State = "new";
  private connection: SocketConnection | undefined;
  private inflight = 0;
  private closeRequested = false;
  private closeNotified = false;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private resolveEnded!: () => void;
  /** Settles when the current connection is gone (a new one after each `reopen()`). */
  private ended = this.newEnded();

  protected constructor(settings: MessageSocketTransportSettings) {
    this.#settings = settings;
    this.label = settings.label;
  }

  /** What `JSON.stringify` shows of the transport: its label and state, never a secret. */
  toJSON(): { label: string; state: string } {
    return { label: this.label, state: this.state };
  }

  /** What `util.inspect` and `console.log` show: the same as {@link toJSON}. */
  [INSPECT](_depth: number, options: object | undefined, inspect: InspectFunction | undefined): string {
    return inspectSummary(this.constructor.name, this.toJSON(), options, inspect);
  }

  /** Bytes written to the socket and not yet sent by the OS. */
  get bufferedAmount(): number {
    return this.connection?.bufferedAmount ?? 0;
  }

  start(): Promise<void> {
    if (this.state !== "new") {
      return Promise.reject(
        this.closeRequested || this.state === "closed"
          ? new ConnectionClosedError(`${this.label} is closed`)
          : new CodexTransportError(`${this.label} was already started`, { code: "already_started" }),
      );
    }
    this.state = "connecting";
    this.starting = this.connect();
    return this.starting;
  }

  /**
   * Connects again after `ondisconnect`. Rejects (and stays `disconnected`) when the server cannot be
   * reached or `signal` aborts; resolves once the new connection is open.
   */
  async reopen(signal?: AbortSignal): Promise<void> {
    if (this.state !== "disconnected") {
      throw this.closeRequested || this.state === "closed"
        ? new ConnectionClosedError(`${this.label} is closed`)
        : new CodexTransportError(
            `${this.label}: reopen() is for a dropped connection (state ${this.state})`,
            {
              code: "invalid_state",
            },
          );
    }
    this.state = "reconnecting";
    this.abortConnect = new AbortController();
    this.ended = this.newEnded();
    const abort = () => this.abortConnect.abort();
    signal?.addEventListener("abort", abort, { once: true });
    this.starting = this.connect(true);
    try {
      await this.starting;
    } finally {
      signal?.removeEventListener("abort", abort);
    }
  }

  /** See {@link Transport.disconnect}: the open connection goes quietly; `reopen()` may follow. */
  disconnect(): void {
    if (this.state !== "open") return;
    this.generation++; // its late close must not touch the next connection
    this.stopKeepAlive();
    this.resolveEnded();
    this.connection?.terminate();
    this.connection = undefined;
    this.lostReason = "dropped to connect again";
    this.rejectQueued(this.lostReason);
    this.state = "disconnected";
  }

  private newEnded(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.resolveEnded = resolve;
    });
  }

  private async connect(again = false): Promise<void> {
    // Events of an earlier connection (a terminated socket's late close) must not touch this one.
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    try {
      this.connection = await this.#settings.connect(
        {
          onText: (text) => {
            if (current()) this.receive(text);
          },
          onBinary: (byteLength) =>
            this.onerror?.(
              new CodexInvalidMessageError(
                "binary",
                `skipped a ${byteLength}-byte binary frame; expected text`,
              ),
            ),
          onError: (error) => this.onerror?.(error),
          onClose: (code, reason, error) => {
            if (current()) this.finish(code, reason, error);
          },
          onPong: () => this.receivedPong(),
        },
        this.abortConnect.signal,
      );
    } catch (error) {
      this.resolveEnded();
      if (again && this.state === "reconnecting") {
        this.state = "disconnected";
        throw error;
      }
      this.state = "closed";
      throw error;
    }
    if (this.state === "connecting" || this.state === "reconnecting") {
      this.state = "open";
      this.startKeepAlive();
    }
  }

  private startKeepAlive(): void {
    const keepAlive = this.#settings.keepAlive;
    if (keepAlive === null || this.connection?.ping === undefined) return;
    this.pingTimer = setInterval(() => this.sendPing(keepAlive.timeoutMs), keepAlive.intervalMs);
    unref(this.pingTimer);
  }

  /** One ping at a time: while a pong is awaited, the interval's ticks send nothing. */
  private sendPing(timeoutMs: number): void {
    if (this.state !== "open" || this.pongTimer !== undefined) return;
    try {
      this.connection?.ping?.();
    } catch {
      return; // The socket is going away; its close event reports why.
    }
    this.pongTimer = setTimeout(() => this.pongMissed(timeoutMs), timeoutMs);
    unref(this.pongTimer);
  }

  private receivedPong(): void {
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }

  /** No pong in time: the server is gone or frozen. Drop the socket and close with a typed error. */
  private pongMissed(timeoutMs: number): void {
    this.pongTimer = undefined;
    if (this.state !== "open") return;
    const error = new CodexKeepAliveTimeoutError(
      `${this.label}: the server did not answer a ping within ${timeoutMs} ms; the connection was dropped`,
      { timeoutMs },
    );
    this.stopKeepAlive();
    this.resolveEnded();
    this.connection?.terminate();
    this.rejectQueued(`no answer to a ping within ${timeoutMs} ms`);
    this.dropped({
      reason: `no answer to a ping within ${timeoutMs} ms (connection dropped)`,
      closeCode: ABNORMAL_CLOSURE,
      error,
    });
  }

  private stopKeepAlive(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.pingTimer = undefined;
    this.pongTimer = undefined;
  }

  /** Resolves once the frame left for the OS; while the socket holds more than 1 MiB, later messages wait their turn. */
  send(message: JsonRpcMessage): Promise<void> {
    if (this.state === "open") {
      return new Promise<void>((resolve, reject) => {
        this.queue.push({ message, resolve, reject });
        this.flush();
      });
    }
    if (this.state === "disconnected" || this.state === "reconnecting") {
      return Promise.reject(
        new CodexConnectionLostError(
          `cannot send on ${this.label}: the connection dropped (${this.lostReason})`,
          {
            reason: this.lostReason,
          },
        ),
      );
    }
    return sendRefusal(this.label, this.state === "new" || this.state === "connecting");
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private receive(text: string): void {
    if (text.length > this.#settings.maxMessageBytes) {
      // Only WHATWG sockets get here; `ws` enforces maxPayload itself (and closes with 1009).
      this.onerror?.(new CodexMessageTooLargeError(this.#settings.maxMessageBytes, text.length));
      return;
    }
    let message: JsonRpcMessage;
    try {
      message = parseJsonMessage(text);
    } catch (error) {
      this.onerror?.(error as Error);
      return;
    }
    try {
      this.onmessage?.(message);
    } catch (error) {
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private flush(): void {
    const connection = this.connection;
    while (
      connection &&
      this.state === "open" &&
      this.queue.length > 0 &&
      (this.inflight === 0 || connection.bufferedAmount < HIGH_WATER_MARK)
    ) {
      const item = this.queue.shift() as QueuedSend;
      let text: string;
      try {
        text = serializeMessage(item.message);
      } catch (error) {
        item.reject(error as Error);
        continue;
      }
      this.inflight++;
      connection.send(text).then(
        () => {
          this.inflight--;
          item.resolve();
          this.flush();
        },
        (cause: unknown) => {
          this.inflight--;
          item.reject(new ConnectionClosedError(`could not send on ${this.label}`, { cause }));
          this.flush();
        },
      );
    }
  }

  private finish(code: number, rawReason: string, error?: Error): void {
    if (this.state === "closed" || this.state === "disconnected") return;
    this.stopKeepAlive();
    this.resolveEnded();
    const reason = redact(rawReason, this.#settings.secrets);
    const description = `socket closed (${code}${reason ? `: ${reason}` : ""})`;
    this.rejectQueued(description);
    const info: TransportCloseInfo = {
      reason: this.closeRequested ? `closed by client, ${description}` : description,
      closeCode: code,
    };
    if (!this.closeRequested) {
      info.error = new ConnectionClosedError(
        `${this.label}: the server ended the connection, ${description}`,
        {
          cause: error,
          reason: description,
          closeCode: code,
        },
      );
    }
    this.dropped(info);
  }

  /**
   * The connection is gone. Dropped on its own with someone waiting to reconnect (`ondisconnect`): the
   * transport stays usable for `reopen()`. Otherwise it is closed for good.
   */
  private dropped(info: TransportCloseInfo): void {
    if (!this.closeRequested && this.ondisconnect !== undefined) {
      this.state = "disconnected";
      this.connection = undefined;
      this.lostReason = info.reason;
      this.ondisconnect(info);
      return;
    }
    this.state = "closed";
    this.notifyClose(info);
  }

  private notifyClose(info: TransportCloseInfo): void {
    if (this.closeNotified) return;
    this.closeNotified = true;
    this.onclose?.(info);
  }

  private async shutdown(): Promise<void> {
    this.closeRequested = true;
    this.stopKeepAlive();
    if (this.state === "connecting" || this.state === "reconnecting") {
      this.abortConnect.abort();
      await this.starting?.catch(() => undefined);
    }
    const connection = this.connection;
    if (this.state === "open" && connection) {
      this.state = "closing";
      this.rejectQueued("the transport was closed");
      connection.close(NORMAL_CLOSURE, "client closing");
      if (!(await resolvesWithin(this.ended, this.#settings.closeTimeoutMs))) {
        connection.terminate();
        await resolvesWithin(this.ended, this.#settings.closeTimeoutMs);
      }
    }
    this.state = "closed";
    this.resolveEnded();
    this.notifyClose({ reason: "closed by client" });
  }

  private rejectQueued(why: string): void {
    for (const item of this.queue.splice(0)) {
      item.reject(new ConnectionClosedError(`${this.label}: message not sent, ${why}`));
    }
  }
}

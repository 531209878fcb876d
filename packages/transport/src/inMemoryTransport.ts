import type { JsonRpcMessage } from "@codex-app-server/protocol";
import { ConnectionClosedError } from "./errors/localErrors.js";
import type { Transport, TransportCloseInfo } from "./transport.js";

/** Options of `InMemoryTransport.createLinkedPair`. */
export interface InMemoryPairOptions {
  /**
   * How many messages an end holds for its reader (before `start()` or while `pause()`d) before the
   * other end's `send()` waits: a slow reader holds the writer back instead of growing memory.
   * Default: no bound.
   */
  highWaterMark?: number;
}

/**
 * One end of an in-process pair: no process, no socket. Messages sent before the other end starts
 * (or while it is paused) are queued and delivered on its `start()` (or `resume()`), never dropped; past
 * `highWaterMark` queued messages, `send()` waits for the reader. Delivery is asynchronous (a microtask),
 * like a real transport, so a handler never runs inside the sender's `send()`.
 */
export class InMemoryTransport implements Transport {
  onmessage?: (message: JsonRpcMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: TransportCloseInfo) => void;
  readonly label: string;

  private peer: InMemoryTransport | undefined;
  private started = false;
  private paused = false;
  private closed = false;
  private readonly queue: JsonRpcMessage[] = [];
  private readonly highWaterMark: number;
  private readonly blockedSenders: Array<() => void> = [];

  private constructor(label: string, highWaterMark: number) {
    this.label = label;
    this.highWaterMark = highWaterMark;
  }

  /** A client end and a server end, linked to each other. */
  static createLinkedPair(
    options: InMemoryPairOptions = {},
  ): [client: InMemoryTransport, server: InMemoryTransport] {
    const hwm = options.highWaterMark ?? Number.POSITIVE_INFINITY;
    if (!(hwm >= 1)) throw new RangeError("highWaterMark must be at least 1");
    const client = new InMemoryTransport("memory:client", hwm);
    const server = new InMemoryTransport("memory:server", hwm);
    client.peer = server;
    server.peer = client;
    return [client, server];
  }

  /** Messages waiting for this end's reader. */
  get queued(): number {
    return this.queue.length;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.flush();
  }

  /** Stops delivering to `onmessage` (a reader that stopped reading); messages queue up to the bound. */
  pause(): void {
    this.paused = true;
  }

  /** Delivers what queued while paused, then releases senders that were waiting. */
  resume(): void {
    this.paused = false;
    if (this.started) this.flush();
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) throw new ConnectionClosedError(`cannot send on ${this.label}: the transport is closed`);
    let peer = this.peer;
    if (!peer || peer.closed)
      throw new ConnectionClosedError(`cannot send on ${this.label}: the other end is closed`);
    await Promise.resolve();
    while (peer.queue.length >= peer.highWaterMark && !peer.closed && !this.closed) {
      await new Promise<void>((resolve) => peer?.blockedSenders.push(resolve));
    }
    peer = this.peer;
    if (this.closed || !peer || peer.closed) {
      throw new ConnectionClosedError(
        `cannot send on ${this.label}: the connection closed while the message waited`,
      );
    }
    peer.receive(message);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.releaseSenders();
    this.onclose?.({ reason: "closed by this end" });
    const peer = this.peer;
    this.peer = undefined;
    if (peer && !peer.closed) {
      peer.closed = true;
      peer.peer = undefined;
      peer.releaseSenders();
      peer.onclose?.({ reason: "closed by the other end" });
    }
  }

  private receive(message: JsonRpcMessage): void {
    if (this.closed) return;
    if (!this.started || this.paused || this.queue.length > 0) {
      this.queue.push(message);
      return;
    }
    this.onmessage?.(message);
  }

  private flush(): void {
    while (this.queue.length > 0 && !this.paused && !this.closed) {
      const message = this.queue.shift() as JsonRpcMessage;
      this.onmessage?.(message);
    }
    this.releaseSenders();
  }

  private releaseSenders(): void {
    for (const wake of this.blockedSenders.splice(0)) wake();
  }
}

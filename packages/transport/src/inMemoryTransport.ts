import type { JsonRpcMessage } from "@codex-app-server/protocol";
import { ConnectionClosedError } from "./errors/localErrors.js";
import type { Transport, TransportCloseInfo } from "./transport.js";

/**
 * One end of an in-process pair: no process, no socket. Messages sent before the other end starts
 * are queued and delivered on its `start()`, never dropped. Delivery is asynchronous (a microtask),
 * like a real transport, so a handler never runs inside the sender's `send()`.
 */
export class InMemoryTransport implements Transport {
  onmessage?: (message: JsonRpcMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: TransportCloseInfo) => void;
  readonly label: string;

  private peer: InMemoryTransport | undefined;
  private started = false;
  private closed = false;
  private readonly queue: JsonRpcMessage[] = [];

  private constructor(label: string) {
    this.label = label;
  }

  /** A client end and a server end, linked to each other. */
  static createLinkedPair(): [client: InMemoryTransport, server: InMemoryTransport] {
    const client = new InMemoryTransport("memory:client");
    const server = new InMemoryTransport("memory:server");
    client.peer = server;
    server.peer = client;
    return [client, server];
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const pending = this.queue.splice(0);
    for (const message of pending) this.onmessage?.(message);
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) throw new ConnectionClosedError(`cannot send on ${this.label}: the transport is closed`);
    const peer = this.peer;
    if (!peer || peer.closed)
      throw new ConnectionClosedError(`cannot send on ${this.label}: the other end is closed`);
    await Promise.resolve();
    peer.receive(message);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.({ reason: "closed by this end" });
    const peer = this.peer;
    this.peer = undefined;
    if (peer && !peer.closed) {
      peer.closed = true;
      peer.peer = undefined;
      peer.onclose?.({ reason: "closed by the other end" });
    }
  }

  private receive(message: JsonRpcMessage): void {
    if (this.closed) return;
    if (!this.started) {
      this.queue.push(message);
      return;
    }
    this.onmessage?.(message);
  }
}

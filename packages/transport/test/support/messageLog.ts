import type { JsonRpcMessage } from "@codex-app-server/protocol";
import type { Transport, TransportCloseInfo } from "../../src/transport.js";

interface Waiter {
  predicate: (message: JsonRpcMessage) => boolean;
  resolve: (message: JsonRpcMessage) => void;
}

/**
 * Installs itself as a transport's callbacks and records everything; `next(predicate)` resolves with
 * the first recorded or future message that matches. For raw JSON-RPC by hand, without a peer.
 */
export class MessageLog {
  readonly messages: JsonRpcMessage[] = [];
  readonly errors: Error[] = [];
  readonly closes: TransportCloseInfo[] = [];
  readonly closed: Promise<TransportCloseInfo>;
  private waiters: Waiter[] = [];

  constructor(transport: Transport) {
    let resolveClosed!: (info: TransportCloseInfo) => void;
    this.closed = new Promise((resolve) => {
      resolveClosed = resolve;
    });
    transport.onmessage = (message) => {
      this.messages.push(message);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.predicate(message)) return true;
        waiter.resolve(message);
        return false;
      });
    };
    transport.onerror = (error) => this.errors.push(error);
    transport.onclose = (info) => {
      this.closes.push(info);
      resolveClosed(info);
    };
  }

  next(predicate: (message: JsonRpcMessage) => boolean): Promise<JsonRpcMessage> {
    const seen = this.messages.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  response(id: number | string): Promise<JsonRpcMessage> {
    return this.next((message) => "id" in message && message.id === id && !("method" in message));
  }
}

export const initializeRequest = (id: number): JsonRpcMessage => ({
  id,
  method: "initialize",
  params: { clientInfo: { name: "transport_tests", title: "Transport tests", version: "0.0.0" } },
});

export const initializedNotification: JsonRpcMessage = { method: "initialized" };

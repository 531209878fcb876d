import { createInterface } from "node:readline";
import WebSocket from "ws";
import type { ServerMessageLike } from "../../sequence/describeServerMessage.js";
import { describeServerMessage } from "../../sequence/describeServerMessage.js";
import type { AppServerProcess } from "../appServerProcess.js";

/** A raw JSON-RPC message as the server sends it (it omits `"jsonrpc"`). */
export interface RawMessage {
  id?: number | string;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** A bidirectional channel of JSON texts. */
export interface MessageChannel {
  send(text: string): void;
  onMessage(listener: (text: string) => void): void;
  onClose(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

export function stdioChannel(child: AppServerProcess): MessageChannel {
  const lines = createInterface({ input: child.stdout });
  const closeListeners: Array<(reason: string) => void> = [];
  void child.exited.then((exit) => {
    for (const listener of closeListeners) listener(`process exited (${exit.code ?? exit.signal})`);
  });
  return {
    send: (text) => {
      child.stdin.write(`${text}\n`);
    },
    onMessage: (listener) => {
      lines.on("line", listener);
    },
    onClose: (listener) => {
      closeListeners.push(listener);
    },
    close: async () => {
      lines.close();
      await child.kill();
    },
  };
}

export async function webSocketChannel(
  url: string,
  headers: Record<string, string>,
): Promise<MessageChannel> {
  const socket = new WebSocket(url, { headers });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("unexpected-response", (_request, response) => {
      reject(new Error(`websocket upgrade refused with HTTP ${response.statusCode}`));
      socket.terminate();
    });
    socket.once("error", reject);
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return {
    send: (text) => socket.send(text),
    onMessage: (listener) => {
      socket.on("message", (data) => listener(data.toString()));
    },
    onClose: (listener) => {
      socket.on("close", (code) => listener(`websocket closed (${code})`));
    },
    close: async () => {
      socket.close();
      await closed;
    },
  };
}

interface Pending {
  resolve: (message: RawMessage) => void;
  reject: (error: Error) => void;
}

interface Waiter {
  predicate: (message: RawMessage) => boolean;
  from: number;
  resolve: (message: RawMessage) => void;
  reject: (error: Error) => void;
}

/** A minimal JSON-RPC client for tests: records every message received, in order. */
export class RawRpcClient {
  readonly received: RawMessage[] = [];
  readonly #channel: MessageChannel;
  readonly #pending = new Map<number, Pending>();
  readonly #waiters = new Set<Waiter>();
  #nextId = 1;
  #closedReason: string | undefined;

  constructor(channel: MessageChannel) {
    this.#channel = channel;
    channel.onMessage((text) => this.#receive(JSON.parse(text) as RawMessage));
    channel.onClose((reason) => this.#fail(reason));
  }

  /** Sends a request and resolves with the whole response message (result or error). */
  request(method: string, params: unknown): Promise<RawMessage> {
    if (this.#closedReason !== undefined) return Promise.reject(new Error(`closed: ${this.#closedReason}`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#channel.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Sends a request and resolves with its `result`; rejects on an error response. */
  async call<T = Record<string, unknown>>(method: string, params: unknown): Promise<T> {
    const response = await this.request(method, params);
    if (response.error !== undefined) {
      throw new Error(`${method} failed: ${response.error.code} ${response.error.message}`);
    }
    return response.result as T;
  }

  notify(method: string, params?: unknown): void {
    this.#channel.send(JSON.stringify(params === undefined ? { method } : { method, params }));
  }

  respond(id: number | string, result: unknown): void {
    this.#channel.send(JSON.stringify({ id, result }));
  }

  /** The first message at index >= `from` matching the predicate, already received or yet to come. */
  waitFor(predicate: (message: RawMessage) => boolean, from = 0): Promise<RawMessage> {
    const found = this.received.slice(from).find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    if (this.#closedReason !== undefined) return Promise.reject(new Error(`closed: ${this.#closedReason}`));
    return new Promise((resolve, reject) => {
      this.#waiters.add({ predicate, from, resolve, reject });
    });
  }

  waitForNotification(
    method: string,
    from = 0,
    where?: (params: Record<string, unknown>) => boolean,
  ): Promise<RawMessage> {
    return this.waitFor(
      (message) =>
        message.method === method &&
        message.id === undefined &&
        (where === undefined || where(message.params as Record<string, unknown>)),
      from,
    );
  }

  waitForServerRequest(method: string, from = 0): Promise<RawMessage> {
    return this.waitFor((message) => message.method === method && message.id !== undefined, from);
  }

  /** Every notification and server request from index `from`, described by {@link describeServerMessage}. */
  sequenceSince(from = 0): string[] {
    // Responses never land in `received`, so every entry has a method.
    return this.received.slice(from).map((message) => describeServerMessage(message as ServerMessageLike));
  }

  async close(): Promise<void> {
    this.#fail("closed by the test");
    await this.#channel.close();
  }

  #receive(message: RawMessage): void {
    if (message.method === undefined && message.id !== undefined) {
      const pending = this.#pending.get(Number(message.id));
      this.#pending.delete(Number(message.id));
      pending?.resolve(message);
      return;
    }
    this.received.push(message);
    const index = this.received.length - 1;
    for (const waiter of this.#waiters) {
      if (index >= waiter.from && waiter.predicate(message)) {
        this.#waiters.delete(waiter);
        waiter.resolve(message);
      }
    }
  }

  #fail(reason: string): void {
    if (this.#closedReason !== undefined) return;
    this.#closedReason = reason;
    const error = new Error(`connection ended: ${reason}`);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters.clear();
  }
}

/** `initialize` then `initialized`. */
export async function initialize(client: RawRpcClient): Promise<Record<string, unknown>> {
  const result = await client.call("initialize", { clientInfo: { name: "testing-kit", version: "0.0.0" } });
  client.notify("initialized");
  return result;
}

export async function startThread(client: RawRpcClient): Promise<string> {
  const result = await client.call<{ thread: { id: string } }>("thread/start", {});
  return result.thread.id;
}

export async function startTurn(client: RawRpcClient, threadId: string, text: string): Promise<string> {
  const result = await client.call<{ turn: { id: string; status: string } }>("turn/start", {
    threadId,
    input: [{ type: "text", text, text_elements: [] }],
  });
  return result.turn.id;
}

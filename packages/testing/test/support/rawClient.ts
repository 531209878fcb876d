import type { RequestId } from "@codex-app-server/protocol";
import { createValidator } from "@codex-app-server/protocol";
import type { ClientPeer, Transport, TransportCloseInfo } from "@codex-app-server/transport";
import { RpcPeer } from "@codex-app-server/transport";
import { describeServerMessage } from "../../src/sequence/describeServerMessage.js";

/** A notification or a server request, in arrival order. */
export interface Received {
  method: string;
  params: Record<string, unknown>;
  /** Set on server requests. */
  id?: RequestId;
}

export interface ServerRequestEntry extends Received {
  id: RequestId;
  respond(result: unknown): void;
}

export interface TurnContext {
  threadId: string;
  turnId: string;
  /** Index in `log` where the turn's messages start. */
  from: number;
}

export interface TurnRun extends TurnContext {
  /** Everything logged from `turn/start` up to and including this turn's `turn/completed`. */
  entries: Received[];
  sequence: string[];
  turn: {
    id: string;
    status: string;
    items: Array<Record<string, unknown>>;
    itemsView: string;
    error: unknown;
  };
}

export interface RawClientOptions {
  /** Check what the server sends against the schemas (strict). Default true. */
  validate?: boolean;
  /** Timeout of client requests. Default 10 s. */
  requestTimeoutMs?: number;
}

/**
 * A bare JSON-RPC client over any transport, built on `RpcPeer` only (not the SDK client): it logs
 * every notification and server request in arrival order and lets the test answer server requests.
 */
export class RawClient {
  readonly peer: ClientPeer;
  readonly log: Received[] = [];
  readonly errors: Error[] = [];
  readonly closed: Promise<TransportCloseInfo>;
  private readonly pendingRequests: ServerRequestEntry[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(transport: Transport, options: RawClientOptions = {}) {
    this.peer = new RpcPeer({
      transport,
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
      name: "raw-client",
      ...(options.validate === false
        ? {}
        : { validator: createValidator({ mode: "strict", side: "client" }) }),
    });
    this.peer.onerror = (error) => this.errors.push(error);
    this.closed = new Promise((resolve) => {
      this.peer.onclose = (info) => {
        resolve(info);
        this.wake();
      };
    });
    this.peer.onNotification((message) => {
      this.log.push({ method: message.method, params: (message.params ?? {}) as Record<string, unknown> });
      this.wake();
    });
    this.peer.setFallbackRequestHandler(
      (params, context) =>
        new Promise((resolve) => {
          const entry: ServerRequestEntry = {
            method: context.method,
            params: (params ?? {}) as Record<string, unknown>,
            id: context.id,
            respond: resolve,
          };
          this.log.push(entry);
          this.pendingRequests.push(entry);
          this.wake();
        }),
    );
  }

  static async connect(transport: Transport, options?: RawClientOptions): Promise<RawClient> {
    const client = new RawClient(transport, options);
    await client.peer.start();
    await client.peer.request("initialize", {
      clientInfo: { name: "raw-client", title: null, version: "0.0.0" },
    });
    await client.peer.notify("initialized");
    return client;
  }

  /** Starts a thread and waits for its `thread/started`, so that it does not trail into a turn. */
  async startThread(): Promise<string> {
    const result = await this.peer.request("thread/start", {});
    const threadId = result.thread.id;
    await this.waitForNotification(
      "thread/started",
      (params) => (params.thread as { id: string }).id === threadId,
    );
    return threadId;
  }

  async startTurn(threadId: string, text: string): Promise<string> {
    const result = await this.peer.request("turn/start", {
      threadId,
      input: [{ type: "text", text, text_elements: [] }],
    });
    return result.turn.id;
  }

  /**
   * Starts a turn, runs `during` (to answer approvals, steer, interrupt...), and waits for the turn's
   * `turn/completed`. `entries` and `sequence` hold what arrived from the `turn/start` call on.
   */
  async runTurn(
    threadId: string,
    text: string,
    during?: (turn: TurnContext) => Promise<void>,
  ): Promise<TurnRun> {
    const from = this.log.length;
    const turnId = await this.startTurn(threadId, text);
    await during?.({ threadId, turnId, from });
    const completed = await this.waitForNotification(
      "turn/completed",
      (params) => (params.turn as { id: string }).id === turnId,
      from,
    );
    const entries = this.log.slice(from, this.log.indexOf(completed) + 1);
    return {
      threadId,
      turnId,
      from,
      entries,
      sequence: entries.map(describeServerMessage),
      turn: completed.params.turn as TurnRun["turn"],
    };
  }

  /** Resolves with the first logged entry at index >= `from` that matches. */
  waitFor(predicate: (entry: Received) => boolean, from = 0): Promise<Received> {
    let next = from;
    return this.until(() => {
      for (; next < this.log.length; next++) {
        const entry = this.log[next] as Received;
        if (predicate(entry)) return entry;
      }
      return undefined;
    });
  }

  waitForNotification(
    method: string,
    where: (params: Record<string, unknown>) => boolean = () => true,
    from = 0,
  ): Promise<Received> {
    return this.waitFor(
      (entry) => entry.id === undefined && entry.method === method && where(entry.params),
      from,
    );
  }

  /** The next server request of `method` not taken yet. */
  async takeServerRequest(method: string): Promise<ServerRequestEntry> {
    const entry = await this.until(() => this.pendingRequests.find((request) => request.method === method));
    this.pendingRequests.splice(this.pendingRequests.indexOf(entry as ServerRequestEntry), 1);
    return entry as ServerRequestEntry;
  }

  /** Descriptions of the logged entries from `from` on (see `describeServerMessage`). */
  sequence(from = 0): string[] {
    return this.log.slice(from).map(describeServerMessage);
  }

  close(): Promise<void> {
    return this.peer.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private until<T>(find: () => T | undefined): Promise<T> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = find();
        if (value !== undefined) {
          this.waiters.delete(check);
          resolve(value);
        } else if (this.peer.state === "closed") {
          this.waiters.delete(check);
          reject(new Error("the connection closed while waiting"));
        }
      };
      this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const check of [...this.waiters]) check();
  }
}

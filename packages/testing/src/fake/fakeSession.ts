import type { JsonRpcMessage, RequestId } from "@codex-app-server/protocol";
import type { ServerPeer, Transport, TransportCloseInfo } from "@codex-app-server/transport";
import { RpcPeer } from "@codex-app-server/transport";

function noop(): void {}

/**
 * The server end of one connection. `sendRaw` writes a line as it is (the `malformed` step; a
 * transport without it gets an object the client cannot classify); `abort` drops the connection
 * abruptly (the `dropConnection` step; without it the transport is closed).
 */
export interface FakeServerTransport extends Transport {
  sendRaw?(line: string): Promise<void>;
  abort?(): void | Promise<void>;
}

export interface FakeSessionHooks {
  received(message: JsonRpcMessage): void;
  sent(message: JsonRpcMessage): void;
  error(error: Error): void;
  closed(session: FakeSession, info: TransportCloseInfo): void;
}

/** A pending server request: its id once written, and the client's answer. */
export interface OutgoingRequest {
  id: Promise<RequestId | undefined>;
  answer: Promise<unknown>;
}

/**
 * One client connection of the fake: an `RpcPeer` over the server end of a transport, whose writes
 * are recorded (notifications get a top-level `emittedAtMs`, as the real server's do) and which can
 * run an action once the answer to a given request has been written.
 */
export class FakeSession {
  readonly peer: ServerPeer;
  private readonly transport: FakeServerTransport;
  private readonly hooks: FakeSessionHooks;
  private readonly afterAnswer = new Map<RequestId, () => void>();
  private readonly requestIds = new Map<unknown, (id: RequestId) => void>();
  private isOpen = true;

  constructor(transport: FakeServerTransport, hooks: FakeSessionHooks) {
    this.transport = transport;
    this.hooks = hooks;
    const recording: Transport = {
      start: () => transport.start(),
      close: () => transport.close(),
      send: (message) => this.write(message),
      label: transport.label ?? "fake",
    };
    transport.onmessage = (message) => {
      hooks.received(message);
      recording.onmessage?.(message);
    };
    transport.onerror = (error) => recording.onerror?.(error);
    transport.onclose = (info) => recording.onclose?.(info);
    this.peer = new RpcPeer({
      transport: recording,
      requestTimeoutMs: null,
      name: "fake-app-server",
      firstRequestId: 0,
    });
    this.peer.onerror = (error) => hooks.error(error);
    this.peer.onclose = (info) => {
      this.isOpen = false;
      this.afterAnswer.clear();
      hooks.closed(this, info);
    };
  }

  get open(): boolean {
    return this.isOpen;
  }

  start(): Promise<void> {
    return this.peer.start();
  }

  /** Sends a notification; resolves once written (or at once when the connection is gone). Never rejects. */
  notify(method: string, params: unknown): Promise<void> {
    if (!this.isOpen) return Promise.resolve();
    return this.peer.notifyUntyped(method, params).catch(() => undefined);
  }

  /**
   * Sends many notifications of one method as fast as the transport takes them: the first goes
   * through the peer (after everything queued before it), the rest straight to the transport,
   * waiting only when it asks to (backpressure). `params(i)` builds the i-th one.
   */
  async notifyBurst(method: string, count: number, params: (index: number) => unknown): Promise<void> {
    if (count === 0) return;
    await this.notify(method, params(0));
    let last: Promise<void> | undefined;
    for (let i = 1; i < count && this.isOpen; i++) {
      const message = { method, params: params(i), emittedAtMs: Date.now() } as JsonRpcMessage;
      this.hooks.sent(message);
      const written = this.transport.send(message);
      // A buffering transport hands back the same settled promise until it is over its high-water
      // mark; a new promise means "wait for the drain", which also lets the reader keep up.
      if (written !== last) await written.catch(noop);
      last = written;
    }
  }

  /** Sends a server request with no timeout; aborting `signal` stops waiting for the answer. */
  request(method: string, params: object, signal: AbortSignal): OutgoingRequest {
    let resolveId!: (id: RequestId | undefined) => void;
    const id = new Promise<RequestId | undefined>((resolve) => {
      resolveId = resolve;
    });
    this.requestIds.set(params, (value) => {
      this.requestIds.delete(params);
      resolveId(value);
    });
    const answer = this.peer.requestUntyped(method, params, { timeoutMs: null, signal });
    void answer.then(
      () => undefined,
      () => {
        // Never written (aborted first, or the connection closed): no id to report.
        if (this.requestIds.delete(params)) resolveId(undefined);
      },
    );
    return { id, answer };
  }

  /** Runs `action` once a successful answer to request `id` has been written (not after an error answer). */
  afterAnswerTo(id: RequestId, action: () => void): void {
    this.afterAnswer.set(id, action);
  }

  sendRaw(line: string): Promise<void> {
    if (!this.isOpen) return Promise.resolve();
    if (this.transport.sendRaw) return this.transport.sendRaw(line).catch(() => undefined);
    return this.transport.send({ malformed: line } as unknown as JsonRpcMessage).catch(() => undefined);
  }

  /** Drops the connection abruptly where the transport can, else closes it. */
  async drop(): Promise<void> {
    if (this.transport.abort) await this.transport.abort();
    else await this.transport.close();
  }

  close(): Promise<void> {
    return this.peer.close();
  }

  /** Every write goes through here: recorded, `emittedAtMs` added to notifications. */
  private async write(message: JsonRpcMessage): Promise<void> {
    const record = message as unknown as Record<string, unknown>;
    const isNotification = "method" in record && !("id" in record);
    if (isNotification) record.emittedAtMs = Date.now();
    this.hooks.sent(message);
    if ("method" in record && "id" in record) this.requestIds.get(record.params)?.(record.id as RequestId);
    await this.transport.send(message);
    if (!("method" in record) && "id" in record)
      this.runAfterAnswer(record.id as RequestId, "result" in record);
  }

  private runAfterAnswer(id: RequestId, succeeded: boolean): void {
    const action = this.afterAnswer.get(id);
    if (action === undefined) return;
    this.afterAnswer.delete(id);
    if (succeeded) action();
  }
}

import type { JsonRpcMessage } from "@codex-app-server/protocol";
import type { Transport, TransportCloseInfo } from "@codex-app-server/transport";

/**
 * A transport started before its client exists, so that `connectStdio` can spawn the server first and
 * load the client (xstate, the machines, the protocol's guards) while the server boots. It keeps the
 * `Transport` contract for whoever starts it later: what the inner transport reports before then
 * (a message, an error, its close) is kept and delivered, in order, when `start()` is called, after
 * the inner start has settled; `start()` answers with the inner start's outcome. `ondisconnect` is
 * handed to the inner transport at `start()`, so a drop before that closes it as if nobody could
 * reconnect.
 */
export class EarlyStartedTransport implements Transport {
  onmessage?: (message: JsonRpcMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: TransportCloseInfo) => void;
  ondisconnect?: (info: TransportCloseInfo) => void;
  readonly reopen?: (signal?: AbortSignal) => Promise<void>;
  readonly label?: string;

  readonly #inner: Transport;
  readonly #started: Promise<void>;
  /** What the inner transport reported before `start()`; `null` once started. */
  #early: Array<() => void> | null = [];

  /** Installs its own callbacks on `inner` and starts it now. */
  constructor(inner: Transport) {
    this.#inner = inner;
    if (inner.label !== undefined) this.label = inner.label;
    const { reopen } = inner;
    if (reopen !== undefined) this.reopen = (signal) => reopen.call(inner, signal);
    inner.onmessage = (message) => this.#report(() => this.onmessage?.(message));
    inner.onerror = (error) => this.#report(() => this.onerror?.(error));
    inner.onclose = (info) => this.#report(() => this.onclose?.(info));
    this.#started = inner.start();
    // Until someone calls start(), a failed spawn is nobody's unhandled rejection: start() reports it.
    this.#started.catch(() => undefined);
  }

  async start(): Promise<void> {
    const early = this.#early;
    if (early === null) return this.#inner.start(); // a second start: the inner transport refuses it
    if (this.ondisconnect !== undefined && this.#inner.reopen !== undefined) {
      this.#inner.ondisconnect = (info) => this.ondisconnect?.(info);
    }
    try {
      await this.#started;
    } finally {
      this.#early = null;
      for (const deliver of early) deliver();
    }
  }

  send(message: JsonRpcMessage): Promise<void> {
    return this.#inner.send(message);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  #report(deliver: () => void): void {
    if (this.#early === null) deliver();
    else this.#early.push(deliver);
  }
}

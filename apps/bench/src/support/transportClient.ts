import type { JsonRpcMessage } from "@codex-app-server/protocol";
import type { Transport } from "@codex-app-server/transport";

/** A message as the bare client sees it: nothing checked. */
export type LooseMessage = {
  id?: unknown;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: unknown;
};

/**
 * A bare JSON-RPC client on one of the SDK's transports: the transport's parsed messages, responses
 * matched to requests by id, everything else handed to `onMessage`. No validation, no classification
 * beyond "has an id and no method". Compared with `LineClient`, it shows what the transport costs.
 */
export class TransportClient {
  onMessage: (message: LooseMessage) => void = () => {};
  private readonly transport: Transport;
  private readonly pending = new Map<number, (message: LooseMessage) => void>();
  private nextId = 0;

  constructor(transport: Transport) {
    this.transport = transport;
    transport.onmessage = (message: JsonRpcMessage) => {
      const m = message as LooseMessage;
      if (m.method === undefined && typeof m.id === "number") {
        const resolve = this.pending.get(m.id);
        if (resolve !== undefined) {
          this.pending.delete(m.id);
          resolve(m);
        }
      } else {
        this.onMessage(m);
      }
    };
    transport.onclose = (info) => {
      for (const resolve of this.pending.values()) resolve({ error: { message: info.reason } });
      this.pending.clear();
    };
  }

  /** Starts the transport, then `initialize` and `initialized`. */
  async initialize(): Promise<void> {
    await this.transport.start();
    const response = await this.call("initialize", {
      clientInfo: { name: "bench-baseline", title: null, version: "0.0.0" },
    });
    if (response.error !== undefined) throw new Error(`initialize failed: ${JSON.stringify(response.error)}`);
    await this.transport.send({ method: "initialized" });
  }

  /** Sends a request and resolves with the whole response (result or error). */
  call(method: string, params: unknown): Promise<LooseMessage> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, resolve);
      this.transport.send({ id, method, params }).catch(reject);
    });
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

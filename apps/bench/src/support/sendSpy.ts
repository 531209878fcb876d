import type { JsonRpcMessage } from "@codex-app-server/protocol";
import type { Transport, TransportCloseInfo } from "@codex-app-server/transport";

/** A transport that passes everything through and shows each outgoing message to `onSend` first. */
export class SendSpy implements Transport {
  onmessage?: (message: JsonRpcMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: TransportCloseInfo) => void;
  readonly label: string | undefined;
  private readonly inner: Transport;
  private readonly onSend: (message: JsonRpcMessage) => void;

  constructor(inner: Transport, onSend: (message: JsonRpcMessage) => void) {
    this.inner = inner;
    this.onSend = onSend;
    this.label = inner.label;
  }

  start(): Promise<void> {
    this.inner.onmessage = (message) => this.onmessage?.(message);
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onclose = (info) => this.onclose?.(info);
    return this.inner.start();
  }

  send(message: JsonRpcMessage): Promise<void> {
    this.onSend(message);
    return this.inner.send(message);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

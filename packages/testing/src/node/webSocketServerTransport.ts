import type { JsonRpcMessage } from "@codex-app-server/protocol";
import type { TransportCloseInfo } from "@codex-app-server/transport";
import { ConnectionClosedError, parseJsonMessage } from "@codex-app-server/transport";
import type { RawData, WebSocket } from "ws";
import type { FakeServerTransport } from "../fake/fakeSession.js";

/** Above this many buffered bytes, `send` waits until its frame is written. */
const HIGH_WATER_MARK = 1024 * 1024;
const CLOSE_TIMEOUT_MS = 2000;
const OPEN = 1;

/**
 * The server's end of one WebSocket connection (a socket accepted by `ws`): one JSON-RPC message
 * per text frame. `sendRaw` sends a frame as it is; `abort` drops the TCP connection (the client
 * sees close code 1006).
 */
export class WebSocketServerTransport implements FakeServerTransport {
  onmessage?: (message: JsonRpcMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: TransportCloseInfo) => void;
  readonly label: string;

  private readonly socket: WebSocket;
  private readonly early: RawData[] = [];
  private started = false;
  private closeReported = false;

  constructor(socket: WebSocket, label = "ws:server") {
    this.socket = socket;
    this.label = label;
    socket.on("message", (data) => {
      if (this.started) this.receive(data);
      else this.early.push(data);
    });
    socket.on("error", (error) => this.onerror?.(error));
    socket.on("close", (code) => this.reportClose({ reason: `socket closed (${code})`, closeCode: code }));
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const data of this.early.splice(0)) this.receive(data);
    if (this.socket.readyState !== OPEN) this.reportClose({ reason: "the socket closed before start" });
  }

  send(message: JsonRpcMessage): Promise<void> {
    return this.sendText(JSON.stringify(message));
  }

  sendRaw(line: string): Promise<void> {
    return this.sendText(line);
  }

  /** A normal close (1000), or a dropped connection when the client does not answer in time. */
  async close(): Promise<void> {
    if (this.socket.readyState === OPEN) {
      const closed = new Promise<void>((resolve) => this.socket.once("close", () => resolve()));
      this.socket.close(1000);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.socket.terminate();
          resolve();
        }, CLOSE_TIMEOUT_MS);
      });
      await Promise.race([closed, timeout]);
      clearTimeout(timer);
    }
    this.reportClose({ reason: "closed by the server", closeCode: 1000 });
  }

  /**
   * Drops the TCP connection with no closing handshake (the client sees 1006), once the frames
   * already sent are written: a ping's callback tells when everything before it went out.
   */
  async abort(): Promise<void> {
    if (this.socket.readyState === OPEN)
      await new Promise<void>((resolve) => this.socket.ping(undefined, undefined, () => resolve()));
    this.socket.terminate();
    this.reportClose({ reason: "dropped by the server", closeCode: 1006 });
  }

  private sendText(text: string): Promise<void> {
    if (this.socket.readyState !== OPEN)
      return Promise.reject(new ConnectionClosedError(`cannot send on ${this.label}: the socket is closed`));
    if (this.socket.bufferedAmount < HIGH_WATER_MARK) {
      this.socket.send(text);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.socket.send(text, (error) => {
        if (error) reject(new ConnectionClosedError(`could not send on ${this.label}`, { cause: error }));
        else resolve();
      });
    });
  }

  private receive(data: RawData): void {
    const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : data.toString();
    let message: JsonRpcMessage;
    try {
      message = parseJsonMessage(text);
    } catch (error) {
      this.onerror?.(error as Error);
      return;
    }
    this.onmessage?.(message);
  }

  private reportClose(info: TransportCloseInfo): void {
    if (this.closeReported) return;
    this.closeReported = true;
    this.onclose?.(info);
  }
}

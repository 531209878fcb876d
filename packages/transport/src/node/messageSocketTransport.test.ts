import type { JsonRpcMessage } from "@codex-app-server/protocol";
import { describe, expect, it, vi } from "vitest";
import { ConnectionClosedError } from "../errors/localErrors.js";
import type { TransportCloseInfo } from "../transport.js";
import { MessageSocketTransport } from "./messageSocketTransport.js";
import type { SocketConnection, SocketConnector, SocketEvents } from "./socketConnection.js";

/** A socket whose writes complete only when the test says so. */
class FakeConnection implements SocketConnection {
  bufferedAmount = 0;
  readonly written: string[] = [];
  readonly pending: Array<() => void> = [];
  closeCalls: Array<[number, string]> = [];
  terminated = false;

  constructor(private readonly events: SocketEvents) {}

  send(text: string): Promise<void> {
    this.written.push(text);
    this.bufferedAmount += text.length;
    return new Promise((resolve) =>
      this.pending.push(() => {
        this.bufferedAmount -= text.length;
        resolve();
      }),
    );
  }
  close(code: number, reason: string): void {
    this.closeCalls.push([code, reason]);
  }
  terminate(): void {
    this.terminated = true;
    this.events.onClose(1006, "");
  }
  drainOne(): void {
    this.pending.shift()?.();
  }
  serverCloses(code: number, reason: string): void {
    this.events.onClose(code, reason);
  }
}

class TestTransport extends MessageSocketTransport {
  constructor(connect: SocketConnector, closeTimeoutMs = 50) {
    super({
      label: "test:socket",
      connect,
      closeTimeoutMs,
      maxMessageBytes: 1024,
      secrets: ["hunter2"],
      keepAlive: null,
    });
  }
}

function setup(closeTimeoutMs?: number) {
  let connection!: FakeConnection;
  const transport = new TestTransport(async (events) => {
    connection = new FakeConnection(events);
    return connection;
  }, closeTimeoutMs);
  const closes: TransportCloseInfo[] = [];
  const messages: JsonRpcMessage[] = [];
  const errors: Error[] = [];
  transport.onclose = (info) => closes.push(info);
  transport.onmessage = (message) => messages.push(message);
  transport.onerror = (error) => errors.push(error);
  return { transport, closes, messages, errors, connection: () => connection };
}

const flushMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("MessageSocketTransport", () => {
  it("writes while the socket holds less than 1 MiB and queues the rest unserialized, in order", async () => {
    const { transport, connection } = setup();
    await transport.start();
    const blob = "b".repeat(700 * 1024);
    const order: number[] = [];
    const sends = [0, 1, 2, 3].map((i) =>
      transport.send({ method: "m", params: { i, blob } }).then(() => order.push(i)),
    );

    // 1st written (nothing in flight), 2nd written (700 KiB < 1 MiB), 3rd and 4th wait.
    expect(connection().written).toHaveLength(2);
    connection().drainOne();
    await flushMicrotasks();
    expect(connection().written).toHaveLength(3);
    expect(order).toEqual([0]);
    connection().drainOne();
    connection().drainOne();
    await flushMicrotasks();
    connection().drainOne();
    await Promise.all(sends);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(
      connection().written.map((text) => (JSON.parse(text) as { params: { i: number } }).params.i),
    ).toEqual([0, 1, 2, 3]);
  });

  it("rejects a message that cannot be serialized and still sends the next one", async () => {
    const { transport, connection } = setup();
    await transport.start();
    const bad = transport.send({ method: "bad", params: { n: 1n } } as unknown as JsonRpcMessage);
    const good = transport.send({ method: "good" });
    await expect(bad).rejects.toMatchObject({ code: "serialize_failed" });
    connection().drainOne();
    await good;
    expect(connection().written).toEqual(['{"method":"good"}']);
  });

  it("rejects queued sends when the server closes, redacts secrets from the reason, fires onclose once", async () => {
    const { transport, connection, closes } = setup();
    await transport.start();
    const blob = "b".repeat(2 * 1024 * 1024);
    const first = transport.send({ method: "m", params: { blob } });
    const queued = transport.send({ method: "m" });
    connection().serverCloses(4001, "token hunter2 revoked");
    await expect(queued).rejects.toBeInstanceOf(ConnectionClosedError);
    connection().drainOne();
    await first;
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({ reason: "socket closed (4001: token *** revoked)", closeCode: 4001 });
    expect(closes[0]?.error).toBeInstanceOf(ConnectionClosedError);
    await transport.close();
    expect(closes).toHaveLength(1);
  });

  it("terminates the socket when the closing handshake does not finish in closeTimeoutMs", async () => {
    vi.useFakeTimers();
    try {
      const { transport, connection, closes } = setup(500);
      await transport.start();
      const closing = transport.close();
      expect(connection().closeCalls).toEqual([[1000, "client closing"]]);
      expect(connection().terminated).toBe(false);
      await vi.advanceTimersByTimeAsync(500);
      await closing;
      expect(connection().terminated).toBe(true);
      expect(closes).toEqual([{ reason: "closed by client, socket closed (1006)", closeCode: 1006 }]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("aborts a pending connect on close(), rejecting start() and firing onclose once", async () => {
    let aborted = false;
    const transport = new TestTransport(
      (_events, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener("abort", () => {
            aborted = true;
            reject(new ConnectionClosedError("closed before the connection was established"));
          });
        }),
    );
    const closes: TransportCloseInfo[] = [];
    transport.onclose = (info) => closes.push(info);
    const starting = transport.start();
    await transport.close();
    await expect(starting).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(aborted).toBe(true);
    expect(closes).toEqual([{ reason: "closed by client" }]);
  });

  it("skips text frames over maxMessageBytes and goes on", async () => {
    let events!: SocketEvents;
    const transport = new TestTransport(async (e) => {
      events = e;
      return new FakeConnection(e);
    });
    const messages: JsonRpcMessage[] = [];
    const errors: Error[] = [];
    transport.onmessage = (message) => messages.push(message);
    transport.onerror = (error) => errors.push(error);
    await transport.start();
    events.onText(JSON.stringify({ method: "big", params: { s: "x".repeat(2000) } }));
    events.onText(JSON.stringify({ method: "small" }));
    expect(errors.map((error) => (error as { code?: string }).code)).toEqual(["message_too_large"]);
    expect(messages).toEqual([{ method: "small" }]);
  });
});

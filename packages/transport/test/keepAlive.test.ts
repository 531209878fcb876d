import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { CodexKeepAliveTimeoutError } from "../src/errors/connectionErrors.js";
import { ConnectionClosedError } from "../src/errors/localErrors.js";
import { UnixSocketTransport } from "../src/node/unix.js";
import { type WebSocketConstructor, WebSocketTransport } from "../src/node/websocket.js";
import { RpcPeer } from "../src/rpcPeer.js";
import type { TransportCloseInfo } from "../src/transport.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A `ws` server on 127.0.0.1. It records, in arrival order, the pings and the messages of each
 * connection; `autoPong: false` makes it a peer that silently stopped answering.
 */
async function pingServer(options: { autoPong: boolean }) {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, autoPong: options.autoPong });
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const events: string[] = [];
  const sockets: WebSocket[] = [];
  server.on("connection", (socket) => {
    sockets.push(socket);
    cleanups.push(() => socket.terminate());
    socket.on("ping", () => events.push("ping"));
    socket.on("message", (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; method?: string };
      events.push(`message ${message.method}`);
      // Answers "echo" requests; never answers anything else.
      if (message.method === "echo") socket.send(JSON.stringify({ id: message.id, result: "echoed" }));
    });
  });
  await once(server, "listening");
  const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
  /** Resolves with the server's events once `count` pings have arrived. */
  const pings = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (events.filter((event) => event === "ping").length >= count) resolve();
      };
      server.on("connection", (socket) => socket.on("ping", check));
      for (const socket of sockets) socket.on("ping", check);
      check();
    });
  return { url, events, sockets, pings };
}

function closeInfo(peer: RpcPeer): Promise<TransportCloseInfo> {
  return new Promise((resolve) => {
    peer.onclose = resolve;
  });
}

/** A full round trip: whatever the transport wrote before it has reached the server by then. */
async function roundTrip(peer: RpcPeer): Promise<void> {
  await expect(peer.requestUntyped("echo", {})).resolves.toBe("echoed");
}

describe("WebSocket keepalive", () => {
  it("closes with CodexKeepAliveTimeoutError when pongs stop, and pending requests reject with it as cause", async () => {
    const server = await pingServer({ autoPong: false });
    const transport = new WebSocketTransport({
      url: server.url,
      keepAliveIntervalMs: 20,
      keepAliveTimeoutMs: 50,
    });
    const peer = new RpcPeer({ transport, requestTimeoutMs: null });
    cleanups.push(() => peer.close());
    const closed = closeInfo(peer);
    await peer.start();
    const serverSocketClosed = new Promise((resolve) => server.sockets[0]?.once("close", resolve));
    const pending = peer.requestUntyped("never/answered", {});
    const rejection = pending.catch((error: unknown) => error);

    const info = await closed;
    expect(info.error).toBeInstanceOf(CodexKeepAliveTimeoutError);
    expect(info.error).toMatchObject({ code: "keepalive_timeout", timeoutMs: 50 });
    expect(info).toMatchObject({
      closeCode: 1006,
      reason: "no answer to a ping within 50 ms (connection dropped)",
    });
    const error = await rejection;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as ConnectionClosedError).cause).toBe(info.error);
    expect(server.events).toContain("ping");
    await serverSocketClosed; // the socket was dropped, not left half open
    await expect(transport.send({ method: "late" })).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it("stays open while the server answers", async () => {
    const server = await pingServer({ autoPong: true });
    const transport = new WebSocketTransport({
      url: server.url,
      keepAliveIntervalMs: 10,
      keepAliveTimeoutMs: 5000,
    });
    const peer = new RpcPeer({ transport });
    cleanups.push(() => peer.close());
    const closes: TransportCloseInfo[] = [];
    peer.onclose = (info) => closes.push(info);
    await peer.start();
    // One ping at a time: a 5th ping is sent only once the 4th pong has been taken.
    await server.pings(5);
    await roundTrip(peer);
    expect(closes).toEqual([]);
    expect(peer.state).toBe("started");
  });

  it("by default pings every 15 s and gives up 10 s after an unanswered ping", async () => {
    const server = await pingServer({ autoPong: false });
    const transport = new WebSocketTransport({ url: server.url });
    const peer = new RpcPeer({ transport, requestTimeoutMs: null });
    cleanups.push(() => peer.close());
    const closed = closeInfo(peer);
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout"] });
    await peer.start();

    vi.advanceTimersByTime(14_999);
    await roundTrip(peer);
    expect(server.events).toEqual(["message echo"]);
    vi.advanceTimersByTime(1);
    await roundTrip(peer);
    expect(server.events).toEqual(["message echo", "ping", "message echo"]);

    vi.advanceTimersByTime(9_999);
    await roundTrip(peer);
    vi.advanceTimersByTime(1);
    expect((await closed).error).toBeInstanceOf(CodexKeepAliveTimeoutError);
  });

  it("sends no ping with keepAliveIntervalMs: false, nor through a WHATWG WebSocketImpl, which cannot ping", async () => {
    const server = await pingServer({ autoPong: true });
    const off = new RpcPeer({
      transport: new WebSocketTransport({ url: server.url, keepAliveIntervalMs: false }),
    });
    const whatwg = new RpcPeer({
      transport: new WebSocketTransport({
        url: server.url,
        keepAliveIntervalMs: 1000,
        WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
      }),
    });
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout"] });
    for (const peer of [off, whatwg]) {
      cleanups.push(() => peer.close());
      await peer.start();
    }
    vi.advanceTimersByTime(3_600_000);
    await roundTrip(off);
    await roundTrip(whatwg);
    expect(server.events).toEqual(["message echo", "message echo"]);
  });

  it("UnixSocketTransport closes the same way when the server behind the socket stops answering", async () => {
    const dir = await mkdtemp(join(tmpdir(), "keepalive-"));
    const socketPath = join(dir, "app-server.sock");
    const http = createServer();
    const server = new WebSocketServer({ server: http, autoPong: false });
    http.listen(socketPath);
    await once(http, "listening");
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    cleanups.push(() => new Promise((resolve) => http.close(resolve)));
    server.on("connection", (socket) => cleanups.push(() => socket.terminate()));

    const peer = new RpcPeer({
      transport: new UnixSocketTransport({ socketPath, keepAliveIntervalMs: 20, keepAliveTimeoutMs: 40 }),
    });
    cleanups.push(() => peer.close());
    const closed = closeInfo(peer);
    await peer.start();
    const info = await closed;
    expect(info.error).toBeInstanceOf(CodexKeepAliveTimeoutError);
    expect(info.error?.message).toBe(
      `unix:${socketPath}: the server did not answer a ping within 40 ms; the connection was dropped`,
    );
  });

  it("refuses an interval or a timeout that is not a positive number", () => {
    expect(() => new WebSocketTransport({ keepAliveIntervalMs: 0 })).toThrow(RangeError);
    expect(() => new WebSocketTransport({ keepAliveTimeoutMs: -1 })).toThrow(/keepAliveTimeoutMs/);
    expect(() => new UnixSocketTransport({ keepAliveIntervalMs: Number.NaN })).toThrow(RangeError);
    expect(() => new WebSocketTransport({ keepAliveIntervalMs: null, keepAliveTimeoutMs: 5 })).not.toThrow();
  });
});

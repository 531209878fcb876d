import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonRpcMessage } from "@codex-app-server/protocol";
import { afterEach, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { WebSocketServer } from "ws";
import { CodexConnectionError, CodexConnectionLostError } from "../src/errors/connectionErrors.js";
import { CodexTransportError, ConnectionClosedError } from "../src/errors/localErrors.js";
import { InMemoryTransport } from "../src/inMemoryTransport.js";
import { UnixSocketTransport } from "../src/node/unix.js";
import { WebSocketTransport } from "../src/node/websocket.js";
import { RpcPeer } from "../src/rpcPeer.js";
import type { TransportCloseInfo } from "../src/transport.js";

/**
 * Reconnecting at the transport and peer level: a `ws` server on loopback that the test controls (it
 * drops its clients, stops, listens again on the same port).
 */
interface TestServer {
  url: string;
  /** Sockets connected now, newest last. */
  sockets: WebSocket[];
  /** Every message received, with the connection's number (from 1). */
  received: Array<{ connection: number; message: JsonRpcMessage }>;
  waitForConnection(count: number): Promise<WebSocket>;
  waitForMessage(test: (message: JsonRpcMessage) => boolean): Promise<JsonRpcMessage>;
  dropAll(): void;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(port = 0): Promise<TestServer> {
  let wss: WebSocketServer;
  let connections = 0;
  const sockets: WebSocket[] = [];
  const received: TestServer["received"] = [];
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  const listen = async (on: number) => {
    wss = new WebSocketServer({ host: "127.0.0.1", port: on });
    await once(wss, "listening");
    wss.on("connection", (socket) => {
      const connection = ++connections;
      sockets.push(socket);
      socket.on("message", (data) => {
        received.push({ connection, message: JSON.parse(String(data)) as JsonRpcMessage });
        notify();
      });
      socket.on("close", () => sockets.splice(sockets.indexOf(socket), 1));
      notify();
    });
    return (wss.address() as AddressInfo).port;
  };
  const actualPort = await listen(port);
  const stop = async () => {
    for (const socket of [...sockets]) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
  const waitFor = <T>(check: () => T | undefined): Promise<T> =>
    new Promise((resolve) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) return false;
        listeners.delete(run);
        resolve(value);
        return true;
      };
      const run = () => void attempt();
      if (!attempt()) listeners.add(run);
    });
  const server: TestServer = {
    url: `ws://127.0.0.1:${actualPort}`,
    sockets,
    received,
    waitForConnection: (count) => waitFor(() => (connections >= count ? sockets.at(-1) : undefined)),
    waitForMessage: (test) => waitFor(() => received.find((r) => test(r.message))?.message),
    dropAll: () => {
      for (const socket of [...sockets]) socket.terminate();
    },
    stop,
    restart: async () => {
      await listen(actualPort);
    },
  };
  cleanups.push(stop);
  return server;
}

function reconnectingTransport(url: string) {
  const transport = new WebSocketTransport({ url, keepAliveIntervalMs: false });
  const events: string[] = [];
  const lost: TransportCloseInfo[] = [];
  transport.onmessage = () => {};
  transport.onclose = () => events.push("close");
  transport.ondisconnect = (info) => {
    events.push("disconnect");
    lost.push(info);
  };
  cleanups.push(() => transport.close());
  return { transport, events, lost };
}

describe("a websocket transport that reconnects", () => {
  it("a drop fires ondisconnect, not onclose; send refuses with CodexConnectionLostError; reopen connects again", async () => {
    const server = await startServer();
    const { transport, events, lost } = reconnectingTransport(server.url);
    await transport.start();
    await server.waitForConnection(1);
    server.dropAll();
    await new Promise<void>((resolve) => {
      transport.ondisconnect = (info) => {
        events.push("disconnect");
        lost.push(info);
        resolve();
      };
    });
    expect(events).toEqual(["disconnect"]);
    expect(lost[0]?.closeCode).toBe(1006);
    const refused = await transport.send({ method: "ping" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CodexConnectionLostError);
    expect((refused as CodexConnectionLostError).code).toBe("connection_lost");
    await transport.reopen();
    await server.waitForConnection(2);
    await transport.send({ method: "hello again" });
    const hello = await server.waitForMessage((m) => "method" in m && m.method === "hello again");
    expect(hello).toEqual({ method: "hello again" });
    expect(server.received.at(-1)?.connection).toBe(2);
    await transport.close();
    expect(events).toEqual(["disconnect", "close"]);
  });

  it("reopen rejects while the server is down and the transport stays reopenable; close() then fires onclose", async () => {
    const server = await startServer();
    const { transport, events } = reconnectingTransport(server.url);
    await transport.start();
    const dropped = new Promise<void>((resolve) => {
      transport.ondisconnect = () => {
        events.push("disconnect");
        resolve();
      };
    });
    await server.stop();
    await dropped;
    await expect(transport.reopen()).rejects.toBeInstanceOf(CodexConnectionError);
    await expect(transport.reopen()).rejects.toBeInstanceOf(CodexConnectionError);
    await server.restart();
    await transport.reopen();
    expect(transport.toJSON().state).toBe("open");
    await transport.close();
    expect(events).toEqual(["disconnect", "close"]);
    await expect(transport.reopen()).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it("without ondisconnect a drop closes the transport, as before", async () => {
    const server = await startServer();
    const transport = new WebSocketTransport({ url: server.url });
    cleanups.push(() => transport.close());
    const closed = new Promise<TransportCloseInfo>((resolve) => {
      transport.onclose = resolve;
    });
    await transport.start();
    await server.waitForConnection(1);
    server.dropAll();
    expect((await closed).error).toBeInstanceOf(ConnectionClosedError);
  });
});

describe("a unix-socket transport that reconnects", () => {
  it("a drop fires ondisconnect; reopen connects to the socket again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "codex-unix-reconnect-"));
    const socketPath = join(dir, "control.sock");
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    const sockets: WebSocket[] = [];
    const arrivals: Array<() => void> = [];
    wss.on("connection", (socket) => {
      sockets.push(socket);
      arrivals.shift()?.();
    });
    const connection = (count: number) =>
      sockets.length >= count ? Promise.resolve() : new Promise<void>((resolve) => arrivals.push(resolve));
    http.listen(socketPath);
    await once(http, "listening");
    cleanups.push(async () => {
      for (const socket of sockets) socket.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    });
    const transport = new UnixSocketTransport({ socketPath, keepAliveIntervalMs: false });
    cleanups.push(() => transport.close());
    const events: string[] = [];
    transport.onclose = () => events.push("close");
    let dropped!: () => void;
    const droppedOnce = new Promise<void>((resolve) => {
      dropped = resolve;
    });
    transport.ondisconnect = () => {
      events.push("disconnect");
      dropped();
    };
    await transport.start();
    await connection(1);
    sockets[0]?.terminate();
    await droppedOnce;
    await transport.reopen();
    await connection(2);
    const [data] = (await Promise.all([
      once(sockets[1]!, "message"),
      transport.send({ method: "over the new socket" }),
    ])) as [[Buffer], undefined];
    expect(JSON.parse(String(data[0]))).toEqual({ method: "over the new socket" });
    expect(events).toEqual(["disconnect"]);
  });
});

describe("an RpcPeer across a dropped connection", () => {
  it("fails what was in flight with CodexConnectionLostError, keeps reads and sends them again after resendKept()", async () => {
    const server = await startServer();
    const transport = new WebSocketTransport({ url: server.url });
    const peer = new RpcPeer({ transport, resendOnReconnect: (method) => method.endsWith("/read") });
    cleanups.push(() => peer.close());
    const drops: TransportCloseInfo[] = [];
    let dropped!: () => void;
    const droppedOnce = new Promise<void>((resolve) => {
      dropped = resolve;
    });
    peer.ondisconnect = (info) => {
      drops.push(info);
      dropped();
    };
    await peer.start();
    const write = peer.requestUntyped("config/write", {}).catch((e: unknown) => e);
    const read = peer.requestUntyped("config/read", {});
    await server.waitForMessage((m) => "method" in m && m.method === "config/read");
    server.dropAll();
    await droppedOnce;
    const error = await write;
    expect(error).toBeInstanceOf(CodexConnectionLostError);
    expect((error as CodexConnectionLostError).method).toBe("config/write");
    expect(peer.state).toBe("started");
    // Asked while the connection is down: a write fails at once, a read waits for the new connection.
    await expect(peer.requestUntyped("config/write", {})).rejects.toBeInstanceOf(CodexConnectionLostError);
    const late = peer.requestUntyped("account/read", {});
    await peer.reopen();
    const socket = await server.waitForConnection(2);
    peer.resendKept();
    const lateAgain = await server.waitForMessage((m) => "method" in m && m.method === "account/read");
    socket.send(JSON.stringify({ id: (lateAgain as { id: number }).id, result: { account: null } }));
    await expect(late).resolves.toEqual({ account: null });
    const again = await server.waitForMessage(
      (m) => "method" in m && m.method === "config/read" && server.received.at(-1)?.connection === 2,
    );
    socket.send(JSON.stringify({ id: (again as { id: number }).id, result: { config: {} } }));
    await expect(read).resolves.toEqual({ config: {} });
    expect(
      server.received.filter((r) => "method" in r.message && r.message.method === "config/read"),
    ).toHaveLength(2);
    expect(drops).toHaveLength(1);
  });

  it("reopen() on a connection still up drops it first (disconnect()): its requests fail, reads go again", async () => {
    const server = await startServer();
    const transport = new WebSocketTransport({ url: server.url });
    const peer = new RpcPeer({ transport, resendOnReconnect: (method) => method.endsWith("/read") });
    cleanups.push(() => peer.close());
    let drops = 0;
    let dropped!: () => void;
    const droppedOnce = new Promise<void>((resolve) => {
      dropped = resolve;
    });
    peer.ondisconnect = () => {
      drops++;
      dropped();
    };
    await peer.start();
    server.dropAll();
    await droppedOnce;
    await peer.reopen();
    const second = await server.waitForConnection(2);
    // A step on the reopened connection fails (say, resuming a thread): the next attempt reopens again.
    const write = peer.requestUntyped("thread/resume", {}).catch((e: unknown) => e);
    const read = peer.requestUntyped("config/read", {});
    await server.waitForMessage((m) => "method" in m && m.method === "config/read");
    const secondClosed = once(second, "close");
    await peer.reopen();
    await secondClosed;
    const third = await server.waitForConnection(3);
    const error = await write;
    expect(error).toBeInstanceOf(CodexConnectionLostError);
    expect((error as CodexConnectionLostError).reason).toBe("dropped to connect again");
    peer.resendKept();
    const again = await server.waitForMessage(
      (m) => "method" in m && m.method === "config/read" && server.received.at(-1)?.connection === 3,
    );
    third.send(JSON.stringify({ id: (again as { id: number }).id, result: { config: {} } }));
    await expect(read).resolves.toEqual({ config: {} });
    expect(drops).toBe(1);
    expect(peer.state).toBe("started");
  });

  it("reopen() on a connection still up, over a transport that cannot drop it, refuses and settles nothing", async () => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const transport = Object.assign(clientSide, { reopen: async () => undefined });
    const peer = new RpcPeer({ transport });
    const server = new RpcPeer({ transport: serverSide });
    cleanups.push(async () => {
      await peer.close();
      await server.close();
    });
    let answer!: (value: unknown) => void;
    const asked = new Promise<void>((asking) => {
      server.setRequestHandler("config/write", () => {
        asking();
        return new Promise((resolve) => {
          answer = resolve;
        });
      });
    });
    await Promise.all([peer.start(), server.start()]);
    const write = peer.requestUntyped("config/write", {});
    await asked;
    const error = await peer.reopen().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexTransportError);
    expect((error as CodexTransportError).code).toBe("invalid_state");
    answer({ status: "ok" });
    await expect(write).resolves.toEqual({ status: "ok" });
  });

  it("an answer computed for a request of the dropped connection is not sent on the new one", async () => {
    const server = await startServer();
    const transport = new WebSocketTransport({ url: server.url });
    const peer = new RpcPeer({ transport });
    cleanups.push(() => peer.close());
    let answer!: (value: unknown) => void;
    const asked = new Promise<void>((resolve) => {
      peer.setRequestHandler("approve", () => {
        resolve();
        return new Promise((settle) => {
          answer = settle;
        });
      });
    });
    let dropped!: () => void;
    const droppedOnce = new Promise<void>((resolve) => {
      dropped = resolve;
    });
    peer.ondisconnect = () => dropped();
    await peer.start();
    (await server.waitForConnection(1)).send(JSON.stringify({ id: 0, method: "approve", params: {} }));
    await asked;
    server.dropAll();
    await droppedOnce;
    await peer.reopen();
    await server.waitForConnection(2);
    answer({ decision: "accept" });
    // A request of the new connection is answered; the stale answer never was.
    peer.setRequestHandler("ping", () => "pong");
    server.sockets.at(-1)?.send(JSON.stringify({ id: 7, method: "ping" }));
    await server.waitForMessage((m) => "id" in m && m.id === 7);
    expect(server.received.map((r) => r.message)).toEqual([{ id: 7, result: "pong" }]);
  });
});

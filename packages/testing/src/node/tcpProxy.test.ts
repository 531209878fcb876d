import { once } from "node:events";
import type { AddressInfo, Server, Socket } from "node:net";
import { connect, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTcpProxy } from "./tcpProxy.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An echo server that records its connections. */
async function echoServer(): Promise<{ port: number; sockets: Socket[]; server: Server }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
    socket.pipe(socket);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, sockets, server };
}

async function dial(port: number): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  await once(socket, "connect");
  cleanups.push(async () => {
    socket.destroy();
  });
  return socket;
}

/** Resolves when the socket closes, whether or not it errored first (`once` would reject on the reset). */
const closed = (socket: Socket) => new Promise<void>((resolve) => socket.once("close", () => resolve()));

async function echo(socket: Socket, text: string): Promise<string> {
  socket.write(text);
  const [data] = (await once(socket, "data")) as [Buffer];
  return String(data);
}

describe("TcpProxy", () => {
  it("forwards bytes both ways, cut() drops every connection on both sides, later ones pass again", async () => {
    const target = await echoServer();
    const proxy = await startTcpProxy({ target: { port: target.port } });
    cleanups.push(() => proxy.close());
    const client = await dial(proxy.port);
    expect(await echo(client, "hello")).toBe("hello");
    expect(proxy.openConnections).toBe(1);
    const clientClosed = closed(client);
    const upstreamClosed = closed(target.sockets[0]!);
    proxy.cut();
    await Promise.all([clientClosed, upstreamClosed]);
    expect(proxy.openConnections).toBe(0);
    const again = await dial(proxy.port);
    expect(await echo(again, "again")).toBe("again");
    expect(proxy.connectionCount).toBe(2);
    expect(proxy.wsUrl).toBe(`ws://127.0.0.1:${proxy.port}`);
  });

  it("refuse() resets new connections until accept(); waitForConnections counts them", async () => {
    const target = await echoServer();
    const proxy = await startTcpProxy({ target: { port: target.port } });
    cleanups.push(() => proxy.close());
    proxy.refuse();
    const counted = proxy.waitForConnections(1);
    const refused = connect(proxy.port, "127.0.0.1");
    refused.on("error", () => {});
    await Promise.all([counted, closed(refused)]);
    expect(target.sockets).toHaveLength(0);
    proxy.accept();
    const client = await dial(proxy.port);
    expect(await echo(client, "in")).toBe("in");
    await proxy.waitForConnections(2);
  });

  it("dropFromTarget(): what the client sends gets through, the answers are lost; later connections pass", async () => {
    const target = await echoServer();
    const proxy = await startTcpProxy({ target: { port: target.port } });
    cleanups.push(() => proxy.close());
    const client = await dial(proxy.port);
    expect(await echo(client, "before")).toBe("before");
    proxy.dropFromTarget();
    const received: string[] = [];
    client.on("data", (data: Buffer) => received.push(String(data)));
    const arrived = once(target.sockets[0]!, "data");
    client.write("lost");
    expect(String(((await arrived) as [Buffer])[0])).toBe("lost");
    // The echo of "lost" reached the proxy before a later connection's answer does.
    const later = await dial(proxy.port);
    expect(await echo(later, "later")).toBe("later");
    expect(received).toEqual([]);
    const clientClosed = closed(client);
    proxy.cut();
    await clientClosed;
    expect(received).toEqual([]);
  });
});

import { once } from "node:events";
import { createServer, type Server } from "node:net";
import type { JsonRpcMessage } from "@codex-app-server/protocol";
import { afterEach, describe, expect, it, vi } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import {
  CodexAuthenticationError,
  CodexConnectionError,
  CodexInsecureConnectionError,
  type CodexInvalidMessageError,
} from "../src/errors/connectionErrors.js";
import { ConnectionClosedError } from "../src/errors/localErrors.js";
import { type WebSocketConstructor, WebSocketTransport } from "../src/node/websocket.js";
import type { TransportCloseInfo } from "../src/transport.js";
import { createCodexHome } from "./support/codexHome.js";
import { startWebSocketServer } from "./support/listeningServer.js";
import { initializedNotification, initializeRequest, MessageLog } from "./support/messageLog.js";

const SECRET = "secret-token-123";

const transports: WebSocketTransport[] = [];
function track(transport: WebSocketTransport): WebSocketTransport {
  transports.push(transport);
  return transport;
}
const servers: Array<{ close: () => void }> = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
  for (const server of servers.splice(0)) server.close();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Everything a caller could see of a failure: message, stack, cause chain, label, close reasons. */
function visibleText(
  error: unknown,
  transport: WebSocketTransport,
  closes: TransportCloseInfo[] = [],
): string {
  const parts: string[] = [transport.label, JSON.stringify(closes)];
  let current: unknown = error;
  while (current instanceof Error) {
    parts.push(current.message, current.stack ?? "", JSON.stringify(current));
    current = current.cause;
  }
  return parts.join("\n");
}

async function listen<T extends Server | WebSocketServer>(server: T): Promise<number> {
  servers.push(server);
  if (server instanceof WebSocketServer) {
    await once(server, "listening");
    return (server.address() as { port: number }).port;
  }
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as { port: number }).port;
}

async function unusedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

describe("WebSocketTransport with the real app-server", () => {
  it("does the handshake with the right token and closes cleanly", async () => {
    await using home = await createCodexHome();
    await using server = await startWebSocketServer(home, SECRET);
    const transport = track(new WebSocketTransport({ url: server.address, token: SECRET }));
    expect(transport.label).toBe(server.address);
    const log = new MessageLog(transport);
    await transport.start();

    await transport.send(initializeRequest(1));
    expect(await log.response(1)).toMatchObject({ id: 1, result: { codexHome: home.dir } });
    await transport.send(initializedNotification);
    await transport.send({ id: 2, method: "thread/start", params: {} });
    expect(await log.response(2)).toMatchObject({ id: 2, result: { thread: { id: expect.any(String) } } });

    await transport.close();
    const info = await log.closed;
    // The app-server drops the TCP connection instead of answering the closing handshake.
    expect(info).toMatchObject({ reason: "closed by client, socket closed (1006)", closeCode: 1006 });
    expect(info.error).toBeUndefined();
    expect(log.errors).toEqual([]);
    expect(log.closes).toHaveLength(1);
  });

  it("keepalive never drops a healthy connection: the app-server answers every ping", async () => {
    await using home = await createCodexHome();
    await using server = await startWebSocketServer(home, SECRET);
    // What `ws` receives is private to the transport; count the pongs where `ws` emits them.
    const emit = WebSocket.prototype.emit;
    let pongs = 0;
    const threePongs = new Promise<void>((resolve) => {
      vi.spyOn(WebSocket.prototype, "emit").mockImplementation(function (
        this: WebSocket,
        event: string | symbol,
        ...args: unknown[]
      ) {
        if (event === "pong" && ++pongs === 3) resolve();
        return emit.call(this, event, ...args);
      });
    });
    const transport = track(
      new WebSocketTransport({
        url: server.address,
        token: SECRET,
        keepAliveIntervalMs: 5,
        keepAliveTimeoutMs: 5000,
      }),
    );
    const log = new MessageLog(transport);
    await transport.start();
    await threePongs;
    vi.restoreAllMocks();
    await transport.send(initializeRequest(1));
    expect(await log.response(1)).toMatchObject({ id: 1, result: { codexHome: home.dir } });
    expect(log.closes).toEqual([]);
  });

  it("takes the URL and token from CODEX_APP_SERVER_WS_URL and CODEX_APP_SERVER_TOKEN", async () => {
    await using home = await createCodexHome();
    await using server = await startWebSocketServer(home, SECRET);
    vi.stubEnv("CODEX_APP_SERVER_WS_URL", server.address);
    vi.stubEnv("CODEX_APP_SERVER_TOKEN", SECRET);
    const transport = track(new WebSocketTransport());
    const log = new MessageLog(transport);
    await transport.start();
    await transport.send(initializeRequest(1));
    expect(await log.response(1)).toMatchObject({ result: { platformFamily: expect.any(String) } });
  });

  it("works through an injected WHATWG-style constructor, the token passed as { headers }", async () => {
    await using home = await createCodexHome();
    await using server = await startWebSocketServer(home, SECRET);
    const transport = track(
      new WebSocketTransport({
        url: server.address,
        token: SECRET,
        WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
      }),
    );
    const log = new MessageLog(transport);
    await transport.start();
    await transport.send(initializeRequest(1));
    expect(await log.response(1)).toMatchObject({ id: 1, result: { codexHome: home.dir } });
  });

  it("rejects a wrong token with CodexAuthenticationError that never shows the token", async () => {
    await using home = await createCodexHome();
    await using server = await startWebSocketServer(home, "the-right-token");
    const transport = track(new WebSocketTransport({ url: server.address, token: SECRET }));
    const log = new MessageLog(transport);
    const failure = await transport.start().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CodexAuthenticationError);
    expect(failure).toMatchObject({ code: "authentication_failed", statusCode: 401 });
    expect((failure as Error).message).toContain("invalid websocket bearer token");
    await transport.close();
    expect(visibleText(failure, transport, log.closes)).not.toContain(SECRET);
  });

  it("says a token is needed when none was sent", async () => {
    await using home = await createCodexHome();
    await using server = await startWebSocketServer(home, SECRET);
    const transport = track(new WebSocketTransport({ url: server.address }));
    await expect(transport.start()).rejects.toThrow(/wants a bearer token.*HTTP 401/);
  });

  it("reports a killed server through onclose with the close code", async () => {
    await using home = await createCodexHome();
    await using server = await startWebSocketServer(home, SECRET);
    const transport = track(new WebSocketTransport({ url: server.address, token: SECRET }));
    const log = new MessageLog(transport);
    await transport.start();
    await transport.send(initializeRequest(1));
    await log.response(1);

    const pending = transport.send({ id: 2, method: "thread/start", params: {} });
    server.child.kill("SIGKILL");
    await pending.catch(() => undefined);
    const info = await log.closed;
    expect(info.closeCode).toBe(1006);
    expect(info.reason).toBe("socket closed (1006)");
    expect(info.error).toBeInstanceOf(ConnectionClosedError);
    await expect(transport.send({ method: "x" })).rejects.toBeInstanceOf(ConnectionClosedError);
  });
});

describe("WebSocketTransport connection failures", () => {
  it("rejects with CodexConnectionError when nothing listens", async () => {
    const port = await unusedPort();
    const transport = track(new WebSocketTransport({ url: `ws://127.0.0.1:${port}`, token: SECRET }));
    const failure = await transport.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CodexConnectionError);
    expect(failure).toMatchObject({ code: "connection_failed", errno: "ECONNREFUSED" });
    expect(visibleText(failure, transport)).not.toContain(SECRET);
  });

  it("rejects with CodexConnectionError when the host cannot be resolved", async () => {
    const transport = track(new WebSocketTransport({ url: "wss://no-such-host.invalid", token: SECRET }));
    const failure = await transport.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CodexConnectionError);
    expect(["ENOTFOUND", "EAI_AGAIN"]).toContain((failure as CodexConnectionError).errno);
    expect(visibleText(failure, transport)).not.toContain(SECRET);
  });

  it("gives up after handshakeTimeoutMs when the server never answers the upgrade", async () => {
    const silent = createServer(() => undefined);
    const port = await listen(silent);
    const transport = track(
      new WebSocketTransport({ url: `ws://127.0.0.1:${port}`, token: SECRET, handshakeTimeoutMs: 100 }),
    );
    const failure = await transport.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CodexConnectionError);
    expect(failure).toMatchObject({ errno: "ETIMEDOUT" });
    expect((failure as Error).message).toContain("within 100 ms");
    expect(visibleText(failure, transport)).not.toContain(SECRET);
  });

  it("refuses clear-text ws:// to a host that is not loopback unless allowInsecure", async () => {
    const transport = track(new WebSocketTransport({ url: "ws://10.1.2.3:8765", token: SECRET }));
    await expect(transport.start()).rejects.toBeInstanceOf(CodexInsecureConnectionError);

    const unsafe = track(
      new WebSocketTransport({
        url: `ws://localhost:${await unusedPort()}`,
        token: SECRET,
        allowInsecure: true,
      }),
    );
    await expect(unsafe.start()).rejects.toBeInstanceOf(CodexConnectionError);
  });

  it("refuses an Origin header and a URL that is not ws:// or wss://", async () => {
    const withOrigin = track(
      new WebSocketTransport({ url: "ws://127.0.0.1:1", headers: { Origin: "http://x" } }),
    );
    await expect(withOrigin.start()).rejects.toMatchObject({ code: "invalid_option" });
    const http = track(new WebSocketTransport({ url: "http://127.0.0.1:1" }));
    await expect(http.start()).rejects.toThrow(/must start with ws:\/\/ or wss:\/\//);
    const garbage = track(new WebSocketTransport({ url: `not a url ${SECRET}`, token: SECRET }));
    const failure = await garbage.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CodexConnectionError);
    expect(visibleText(failure, garbage)).not.toContain(SECRET);
  });

  it("keeps user info and query out of the label", () => {
    const transport = new WebSocketTransport({ url: "wss://user:pw@example.com:9000/rpc?key=abc" });
    expect(transport.label).toBe("wss://example.com:9000/rpc");
  });

  it("scrubs the token from what a hostile server echoes back", async () => {
    const http = createServer((socket) => {
      socket.once("data", (request) => {
        const auth = /authorization: (.*)\r\n/i.exec(request.toString())?.[1] ?? "";
        const body = `rejected ${auth}`;
        socket.end(`HTTP/1.1 401 Unauthorized\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      });
    });
    const port = await listen(http);
    const transport = track(new WebSocketTransport({ url: `ws://127.0.0.1:${port}`, token: SECRET }));
    const failure = await transport.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CodexAuthenticationError);
    expect((failure as Error).message).toContain("rejected Bearer ***");
    expect(visibleText(failure, transport)).not.toContain(SECRET);

    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    const wsPort = await listen(wss);
    wss.on("connection", (socket, request) => {
      socket.close(4000, `bye ${request.headers.authorization}`);
    });
    const echoed = track(new WebSocketTransport({ url: `ws://127.0.0.1:${wsPort}`, token: SECRET }));
    const log = new MessageLog(echoed);
    await echoed.start();
    const info = await log.closed;
    expect(info.closeCode).toBe(4000);
    expect(info.reason).toBe("socket closed (4000: bye Bearer ***)");
    expect(visibleText(info.error, echoed, log.closes)).not.toContain(SECRET);
  });
});

describe("WebSocketTransport framing", () => {
  it("parses each text frame once, reports non-JSON and binary frames, and keeps going", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    const port = await listen(wss);
    wss.on("connection", (socket) => {
      socket.on("message", () => {
        socket.send("not json");
        socket.send(Buffer.from([1, 2, 3]), { binary: true });
        socket.send(JSON.stringify({ method: "after" }));
      });
    });
    const transport = track(new WebSocketTransport({ url: `ws://127.0.0.1:${port}` }));
    const log = new MessageLog(transport);
    await transport.start();
    await transport.send({ method: "go" });
    expect(await log.next((message: JsonRpcMessage) => "method" in message)).toEqual({ method: "after" });
    expect(log.errors.map((error) => (error as CodexInvalidMessageError).kind)).toEqual(["json", "binary"]);
  });

  it("sends no Origin header and no permessage-deflate offer", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    const port = await listen(wss);
    const upgrade = new Promise<Record<string, unknown>>((resolve) =>
      wss.on("connection", (_socket, request) => resolve(request.headers)),
    );
    const transport = track(new WebSocketTransport({ url: `ws://127.0.0.1:${port}`, token: SECRET }));
    await transport.start();
    const headers = await upgrade;
    expect(headers.origin).toBeUndefined();
    expect(headers["sec-websocket-extensions"]).toBeUndefined();
    expect(headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it("turns a WHATWG socket that closes before opening into CodexConnectionError", async () => {
    const transport = track(
      new WebSocketTransport({
        url: `ws://127.0.0.1:${await unusedPort()}`,
        token: SECRET,
        WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
      }),
    );
    const failure = await transport.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CodexConnectionError);
    expect((failure as Error).message).toContain("could not connect (close code 1006)");
    expect(visibleText(failure, transport)).not.toContain(SECRET);
  });

  it("explains that a constructor without header support cannot carry the token", async () => {
    class BrowserLikeWebSocket {
      constructor(_url: string, protocols?: unknown) {
        if (protocols !== undefined && typeof protocols !== "string" && !Array.isArray(protocols)) {
          throw new SyntaxError("The subprotocol '[object Object]' is invalid.");
        }
      }
    }
    const transport = track(
      new WebSocketTransport({
        url: "ws://127.0.0.1:1",
        token: SECRET,
        WebSocketImpl: BrowserLikeWebSocket as unknown as WebSocketConstructor,
      }),
    );
    const failure = await transport.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CodexConnectionError);
    expect((failure as Error).message).toContain("cannot send headers");
    expect(visibleText(failure, transport)).not.toContain(SECRET);
  });
});

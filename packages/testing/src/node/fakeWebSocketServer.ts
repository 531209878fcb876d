import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { inspect } from "node:util";
import { WebSocketServer } from "ws";
import type { FakeAppServer } from "../fake/fakeAppServer.js";
import { WebSocketServerTransport } from "./webSocketServerTransport.js";

export interface FakeWebSocketListenOptions {
  /** The capability token clients send as `Authorization: Bearer <token>`. Default: a random one. */
  token?: string;
  /** Default 0: a free port. The fake always listens on 127.0.0.1. */
  port?: number;
}

const HOST = "127.0.0.1";

/**
 * A fake app-server listening on `ws://127.0.0.1:PORT`: upgrades need `Authorization: Bearer
 * <token>` (HTTP 401 otherwise) and no `Origin` header (HTTP 403), like the real server with
 * `--ws-auth capability-token`; `/readyz` and `/healthz` answer 200. The token never appears in
 * `url`, in errors, in `inspect()` or in `JSON.stringify()`.
 */
export class FakeWebSocketServer implements AsyncDisposable {
  /** The fake serving every connection: script it, inspect what it recorded. */
  readonly server: FakeAppServer;
  /** `ws://127.0.0.1:PORT` */
  readonly url: string;
  /** Resolves once the listener is closed. */
  readonly closed: Promise<void>;
  readonly #token: string;
  readonly #close: () => Promise<void>;
  #closing: Promise<void> | undefined;

  /** @internal Use `FakeAppServer.listen()`. */
  constructor(details: {
    server: FakeAppServer;
    url: string;
    token: string;
    closed: Promise<void>;
    close: () => Promise<void>;
  }) {
    this.server = details.server;
    this.url = details.url;
    this.#token = details.token;
    this.closed = details.closed;
    this.#close = details.close;
  }

  get token(): string {
    return this.#token;
  }

  /** `{ Authorization: "Bearer <token>" }` for the upgrade request. */
  get headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.#token}` };
  }

  get readyzUrl(): string {
    return `${this.url.replace(/^ws:/, "http:")}/readyz`;
  }

  /** Stops listening and closes every connection it accepted. The fake itself stays usable. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  toJSON(): Record<string, unknown> {
    return { url: this.url, token: "<redacted>" };
  }

  [inspect.custom](): string {
    return `FakeWebSocketServer { url: '${this.url}', token: <redacted> }`;
  }
}

/** Serves `fake` over WebSocket on 127.0.0.1. Used by `FakeAppServer.listen()`. */
export async function listenWebSocket(
  fake: FakeAppServer,
  options: FakeWebSocketListenOptions,
): Promise<FakeWebSocketServer> {
  const token = options.token ?? randomBytes(24).toString("hex");
  const expected = Buffer.from(`Bearer ${token}`);
  const sockets = new Set<Socket>();
  const connections = new Set<WebSocketServerTransport>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  const http: Server = createServer((request, response) => {
    const path = request.url?.split("?")[0];
    const ok = path === "/readyz" || path === "/healthz";
    response.writeHead(ok ? 200 : 404, { "content-type": "text/plain" }).end(ok ? "ok" : "not found");
  });
  http.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  http.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) => {
    if (request.headers.origin !== undefined) return refuse(socket, 403, "Forbidden");
    const authorization = Buffer.from(request.headers.authorization ?? "");
    if (authorization.length !== expected.length || !timingSafeEqual(authorization, expected))
      return refuse(socket, 401, "Unauthorized");
    wss.handleUpgrade(request, socket, head, (ws) => {
      const transport = new WebSocketServerTransport(ws, `ws:server:${connections.size + 1}`);
      connections.add(transport);
      ws.once("close", () => connections.delete(transport));
      fake.serve(transport).catch(() => ws.terminate());
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 0, HOST, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  return new FakeWebSocketServer({
    server: fake,
    url: `ws://${HOST}:${port}`,
    token,
    closed,
    close: async () => {
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      await Promise.all([...connections].map((connection) => connection.close()));
      for (const socket of sockets) socket.destroy();
      wss.close();
      await stopped;
      resolveClosed();
    },
  });
}

function refuse(socket: Socket, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

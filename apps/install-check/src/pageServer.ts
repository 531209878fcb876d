import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import WebSocket, { WebSocketServer } from "ws";

/** Where a page's `WebSocket` connects to reach the app-server behind the proxy. */
export const PROXY_PATH = "/app-server";

export interface PageServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT/`: the page's origin. */
  readonly origin: string;
  /** `ws://127.0.0.1:PORT/app-server`: forwarded to the app-server. */
  readonly proxyUrl: string;
  /** Every file a page fetched, by path, in order. */
  readonly fetched: string[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".map": "application/json",
};

/**
 * Serves the files of `root` to a browser on 127.0.0.1 and forwards WebSocket connections on
 * `/app-server` to an app-server at `upstream`, adding its `Authorization` header and dropping the
 * browser's `Origin`: the server-side proxy the transport's README tells browsers to use (a browser's
 * `WebSocket` cannot send headers, and the app-server refuses any `Origin`).
 */
export async function startPageServer(
  root: string,
  upstream: { url: string; headers: Record<string, string> },
): Promise<PageServer> {
  const fetched: string[] = [];
  const http: Server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname));
    const file = join(root, path === "/" ? "index.html" : path);
    if (!file.startsWith(root)) return void response.writeHead(403).end();
    fetched.push(path);
    readFile(file).then(
      (body) =>
        response
          .writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" })
          .end(body),
      () => response.writeHead(404).end(),
    );
  });
  const wss = new WebSocketServer({ server: http, path: PROXY_PATH });
  const sockets = new Set<WebSocket>();
  wss.on("connection", (browser) => {
    sockets.add(browser);
    const server = new WebSocket(upstream.url, { headers: upstream.headers });
    sockets.add(server);
    const queued: string[] = [];
    browser.on("message", (data) => {
      const text = data.toString();
      if (server.readyState === WebSocket.OPEN) server.send(text);
      else queued.push(text);
    });
    server.on("open", () => {
      for (const text of queued.splice(0)) server.send(text);
    });
    server.on("message", (data) => browser.send(data.toString()));
    server.on("close", () => browser.close());
    server.on("error", () => browser.terminate());
    browser.on("close", () => server.close());
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.terminate();
    wss.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  return {
    origin: `http://127.0.0.1:${port}/`,
    proxyUrl: `ws://127.0.0.1:${port}${PROXY_PATH}`,
    fetched,
    close,
    [Symbol.asyncDispose]: close,
  };
}

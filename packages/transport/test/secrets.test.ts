import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocketServer } from "ws";
import { StdioTransport } from "../src/node/stdio.js";
import { WebSocketTransport } from "../src/node/websocket.js";
import { RpcPeer } from "../src/rpcPeer.js";
import { pathsToSecret, printedForms } from "./support/secrets.js";

const TOKEN = "tok-4f1e9b-never-printed";
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllEnvs();
});

/** A `ws` server on 127.0.0.1 that accepts every upgrade and records the Authorization it got. */
async function acceptingServer(): Promise<{ url: string; authorizations: string[] }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const authorizations: string[] = [];
  server.on("connection", (socket, request) => {
    authorizations.push(request.headers.authorization ?? "");
    cleanups.push(() => socket.terminate());
  });
  await once(server, "listening");
  return { url: `ws://127.0.0.1:${(server.address() as { port: number }).port}`, authorizations };
}

function expectNoSecret(value: unknown, secret = TOKEN): void {
  for (const [route, text] of Object.entries(printedForms(value))) {
    expect(text, `${route} printed the secret`).not.toContain(secret);
  }
  expect(pathsToSecret(value, secret)).toEqual([]);
}

describe("nothing prints a secret the transport holds", () => {
  it("WebSocketTransport with a token: not before start, not while open, not after close", async () => {
    const { url, authorizations } = await acceptingServer();
    const transport = new WebSocketTransport({ url, token: TOKEN });
    const peer = new RpcPeer({ transport });
    expectNoSecret(transport);
    expectNoSecret(peer);
    expect(printedForms(transport).inspect).toBe(`WebSocketTransport { label: '${url}', state: 'new' }`);
    expect(JSON.parse(printedForms(transport).json)).toEqual({ label: url, state: "new" });

    await peer.start();
    expect(authorizations).toEqual([`Bearer ${TOKEN}`]);
    expectNoSecret(transport);
    expectNoSecret(peer);
    expect(printedForms(transport).inspect).toContain("state: 'open'");

    await peer.close();
    expectNoSecret(transport);
    expectNoSecret(peer);
  });

  it("WebSocketTransport with the token in an Authorization header or in CODEX_APP_SERVER_TOKEN", async () => {
    const { url, authorizations } = await acceptingServer();
    const fromHeader = new WebSocketTransport({ url, headers: { authorization: `Bearer ${TOKEN}` } });
    vi.stubEnv("CODEX_APP_SERVER_TOKEN", `${TOKEN}-env`);
    const fromEnv = new WebSocketTransport({ url });
    for (const transport of [fromHeader, fromEnv]) {
      cleanups.push(() => transport.close());
      expectNoSecret(transport);
      await transport.start();
      expectNoSecret(transport);
    }
    expect(authorizations).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}-env`]);
  });

  it("StdioTransport: the values of env (API keys) are never shown", async () => {
    const transport = new StdioTransport({
      command: process.execPath,
      args: [fixture("echoServer.mjs")],
      env: { OPENAI_API_KEY: TOKEN },
    });
    cleanups.push(() => transport.close());
    expectNoSecret(transport);
    await transport.start();
    expectNoSecret(transport);
    expect(JSON.parse(printedForms(transport).json)).toEqual({
      label: "stdio:node",
      command: process.execPath,
      args: [fixture("echoServer.mjs")],
      pid: transport.pid,
      state: "open",
    });
    await transport.close();
    expectNoSecret(transport);
  });
});

import { Console } from "node:console";
import { Writable } from "node:stream";
import { inspect } from "node:util";
import { FakeAppServer, fakeAppServerCommand } from "@codex-app-server/testing";
import { describe, expect, it } from "vitest";
import { CodexClient } from "../src/index.js";

const TOKEN = "tok-77c0a1-never-printed";

/** `console.log` and `console.dir` through a real `Console`. */
function consoleLogOf(value: unknown): string {
  let printed = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      printed += chunk.toString();
      done();
    },
  });
  const console = new Console({ stdout: sink, stderr: sink });
  console.log(value);
  console.dir(value, { depth: null });
  return printed;
}

/** Paths to strings containing `secret`, through own data properties and Map/Set entries. */
function pathsToSecret(root: unknown, secret: string): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, path: string): void => {
    if (typeof value === "string") {
      if (value.includes(secret)) found.push(path);
      return;
    }
    if ((typeof value !== "object" && typeof value !== "function") || value === null) return;
    if (seen.has(value)) return;
    seen.add(value);
    if (value instanceof Map) for (const [key, item] of value) visit(item, `${path}.get(${String(key)})`);
    if (value instanceof Set) for (const item of value) visit(item, `${path}<item>`);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor && "value" in descriptor) visit(descriptor.value, `${path}.${String(key)}`);
    }
  };
  visit(root, "client");
  return found;
}

function expectNoSecret(client: CodexClient): void {
  const forms = {
    inspect: inspect(client),
    inspectDeep: inspect(client, { showHidden: true, depth: null }),
    inspectFields: inspect(client, { customInspect: false, showHidden: true, depth: 3 }),
    console: consoleLogOf(client),
    json: JSON.stringify(client),
    peerJson: JSON.stringify(client.peer),
    peerInspect: inspect(client.peer, { depth: null }),
  };
  for (const [route, text] of Object.entries(forms)) {
    expect(text, `${route} printed the secret`).not.toContain(TOKEN);
  }
  expect(pathsToSecret(client, TOKEN)).toEqual([]);
}

describe("nothing prints the client's secrets", () => {
  it("connectWebSocket with a token: inspect, console.log, JSON.stringify and the fields", async () => {
    const server = new FakeAppServer();
    await using listener = await server.listen({ token: TOKEN });
    await using client = await CodexClient.connectWebSocket({ url: listener.url, token: TOKEN });
    const thread = await client.startThread();
    expectNoSecret(client);
    expect(inspect(client, { breakLength: Number.POSITIVE_INFINITY })).toBe(
      `CodexClient { state: 'ready', transport: '${listener.url}', threads: [ '${thread.id}' ] }`,
    );
    expect(JSON.parse(JSON.stringify(client))).toEqual({
      state: "ready",
      transport: listener.url,
      threads: [thread.id],
    });
    await client.close();
    expectNoSecret(client);
  });

  it("connectStdio with an API key in env", async () => {
    await using client = await CodexClient.connectStdio({
      ...fakeAppServerCommand(),
      env: { OPENAI_API_KEY: TOKEN },
    });
    await client.listModels();
    expectNoSecret(client);
  });
});

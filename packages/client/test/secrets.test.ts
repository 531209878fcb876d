import { Console } from "node:console";
import { Writable } from "node:stream";
import { inspect } from "node:util";
import { FakeAppServer, fakeAppServerCommand } from "@codex-app-server/testing";
import { describe, expect, it } from "vitest";
import { CodexClient } from "../src/index.js";
import { connectStdio } from "../src/node/index.js";

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
  // `console.dir` ignores custom inspection and lists the fields themselves; the actor tree is deep.
  console.dir(value, { depth: 4 });
  return printed;
}

/**
 * Paths to strings containing `secret`, through own data properties and Map/Set entries of objects
 * (getters are not called; a function's closure is out of reach, so functions are not entered).
 */
function pathsToSecret(root: unknown, secret: string): string[] {
  const found: string[] = [];
  const parents = new Map<object, [object | undefined, string]>();
  const pathOf = (holder: object, key: string): string => {
    const parts = [key];
    for (let at = parents.get(holder); at?.[0] !== undefined; at = parents.get(at[0])) parts.unshift(at[1]);
    return parts.join(".");
  };
  const stack: Array<[unknown, object | undefined, string]> = [[root, undefined, "client"]];
  while (stack.length > 0) {
    const [value, holder, key] = stack.pop() as [unknown, object | undefined, string];
    if (typeof value === "string") {
      if (value.includes(secret)) found.push(holder ? pathOf(holder, key) : key);
      continue;
    }
    if (typeof value !== "object" || value === null || parents.has(value)) continue;
    parents.set(value, [holder, key]);
    if (value instanceof Map) for (const [k, item] of value) stack.push([item, value, `get(${String(k)})`]);
    if (value instanceof Set) for (const item of value) stack.push([item, value, "<item>"]);
    for (const name of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, name);
      if (descriptor && "value" in descriptor) stack.push([descriptor.value, value, String(name)]);
    }
  }
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
    await using client = await connectStdio({
      ...fakeAppServerCommand(),
      env: { OPENAI_API_KEY: TOKEN },
    });
    await client.listModels();
    expectNoSecret(client);
  });
});

// The TypeScript code blocks of README.md, as they are there, so that CI runs them (apps/install-check
// type-checks every block and runs the JavaScript one, the node:test example). Keep the two in sync.
import {
  FakeAppServer,
  fakeAppServerCommand,
  startFakeAppServer,
  step,
  writeScenarioFile,
} from "@codex-app-server/testing";
import { expectSequence, useFakeAppServer } from "@codex-app-server/testing/vitest";
import type { ClientPeer, Transport } from "@codex-app-server/transport";
import { CodexRpcError, RpcPeer, ServerBusyError } from "@codex-app-server/transport";
import { StdioTransport } from "@codex-app-server/transport/stdio";
import { WebSocketTransport } from "@codex-app-server/transport/websocket";
import { describe, expect, it } from "vitest";

// README: "A client for the examples"
async function connect(transport: Transport): Promise<ClientPeer> {
  const client: ClientPeer = new RpcPeer({ transport });
  await client.start();
  await client.request("initialize", { clientInfo: { name: "demo", title: null, version: "1.0.0" } });
  await client.notify("initialized");
  return client;
}

async function chat(client: ClientPeer, text: string): Promise<{ threadId: string; turnId: string }> {
  const { thread } = await client.request("thread/start", {});
  const completed = new Promise<string>((resolve) =>
    client.onNotification("turn/completed", (params) => resolve(params.turn.id)),
  );
  await client.request("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text, text_elements: [] }],
  });
  return { threadId: thread.id, turnId: await completed };
}

describe("README: with vitest", () => {
  const fake = useFakeAppServer({ turns: [[step.message("Hello there", { chunks: 3 })]] });

  it("streams the scripted answer", async () => {
    const client = await connect(fake().transport); // or: new CodexClient(fake().transport)
    const { threadId } = await chat(client, "hi");

    expectSequence(
      fake().server.sent,
      [
        "thread/started",
        "thread/status/changed(active)",
        "turn/started",
        "item/started(userMessage)",
        "item/completed(userMessage)",
        "item/started(agentMessage)",
        "item/agentMessage/delta",
        "item/agentMessage/delta",
        "item/agentMessage/delta",
        "item/completed(agentMessage)",
        "thread/tokenUsage/updated",
        "thread/status/changed(idle)",
        "turn/completed(completed)",
      ],
      { threadId },
    );
    expect(fake().server.requests("turn/start")[0]?.params).toMatchObject({ threadId });
  }); // afterEach closes the fake, and fails the test if the fake recorded errors
});

describe("README: handlers, overload, recording", () => {
  it("answers from handlers and records everything", async () => {
    await using fake = startFakeAppServer({
      handlers: {
        "model/list": { data: [], nextCursor: null }, // a value
        "thread/name/set": (params, call) => {
          // a function of the params and the call number (0, 1, ...)
          if (call > 0) throw new CodexRpcError(-32600, `cannot rename twice to ${params.name}`);
          return {};
        },
      },
    });
    fake.server.on("thread/list", [
      { data: [], nextCursor: "page-2" }, // first call
      { data: [], nextCursor: null }, // second and every later call
    ]);
    const client = await connect(fake.transport);

    expect((await client.request("thread/list", {})).nextCursor).toBe("page-2");
    expect((await client.request("thread/list", {})).nextCursor).toBeNull();
    await client.request("thread/name/set", { threadId: "t", name: "a" });
    await expect(client.request("thread/name/set", { threadId: "t", name: "b" })).rejects.toMatchObject({
      code: -32600,
    });

    fake.server.overloadNext(1); // the next request, whatever its method, gets -32001
    await expect(client.request("model/list", {})).rejects.toBeInstanceOf(ServerBusyError);
    expect(await client.request("model/list", {})).toEqual({ data: [], nextCursor: null });

    expect(fake.server.requests("model/list")).toHaveLength(2); // every request is recorded
    expect(fake.server.received[1]).toEqual({ method: "initialized" });
    expect(fake.server.sent.filter((message) => "error" in message)).toHaveLength(2);
  });
});

describe("README: three ways to run the fake", () => {
  it("in memory", async () => {
    const { server, transport } = FakeAppServer.inMemory({ turns: [[step.message("in memory")]] });
    const client = await connect(transport);
    await chat(client, "hi");
    await server.close();
  });

  it("as a child process over stdio, from a scenario file", async () => {
    await using scenario = await writeScenarioFile({
      turns: [[{ type: "message", text: "Hello from a child process", chunks: 2 }]],
      handlers: { "model/list": { data: [], nextCursor: null } },
    });
    // Equivalent: CODEX_APP_SERVER_CMD="codex-fake-app-server /path/to/scenario.json" for code that
    // lets StdioTransport pick its command.
    const client = await connect(new StdioTransport(fakeAppServerCommand(scenario.path)));
    await chat(client, "hi");
    await client.close(); // the bin exits when its stdin closes
  });

  it("over WebSocket, with token authentication", async () => {
    await using listener = await FakeAppServer.listen({ turns: [[step.message("Hello over ws")]] });
    const client = await connect(new WebSocketTransport({ url: listener.url, token: listener.token }));
    await chat(client, "hi");
    expect(listener.server.requests("turn/start")).toHaveLength(1);
    await client.close();
  });
});

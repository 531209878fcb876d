import type { JsonRpcRequest } from "@codex-app-server/protocol";
import { CodexMethodNotFoundError } from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import type { CodexClient } from "../src/index.js";
import { connectToFake } from "./support.js";

const WRITTEN = { status: "ok", version: "v2", filePath: "/home/me/.codex/config.toml" } as const;

/** The request as the fake received it, params included or left out. */
function sent(requests: JsonRpcRequest[], index = 0): Partial<JsonRpcRequest> {
  const request = requests[index];
  if (!request) throw new Error(`no request #${index}`);
  const { id: _id, ...rest } = request;
  return rest;
}

describe("request(method) without params", () => {
  it("sends {} when every param is optional, and nothing for a method that takes none", async () => {
    await using t = connectToFake({
      handlers: {
        "configRequirements/read": { requirements: null },
        "config/read": { config: {}, origins: {} },
      },
    });
    expect(await t.client.request("model/list")).toEqual({ data: [], nextCursor: null });
    await t.client.request("thread/list");
    await t.client.request("config/read", undefined, { timeoutMs: 1_000 });
    await t.client.request("configRequirements/read");
    await t.client.readConfigRequirements();
    expect(sent(t.server.requests("model/list"))).toEqual({ method: "model/list", params: {} });
    expect(sent(t.server.requests("thread/list")).params).toEqual({});
    expect(sent(t.server.requests("config/read")).params).toEqual({});
    for (const request of t.server.requests("configRequirements/read"))
      expect("params" in request).toBe(false);
    // Params given are sent as they are.
    await t.client.request("model/list", { limit: 2 });
    expect(sent(t.server.requests("model/list"), 1).params).toEqual({ limit: 2 });
  });

  it("types: params may be left out only where nothing is required", () => {
    const typesOnly = (client: CodexClient) => {
      void client.request("model/list");
      void client.request("configRequirements/read");
      // @ts-expect-error thread/read needs a threadId
      void client.request("thread/read");
      // @ts-expect-error turn/start needs a thread and input
      void client.request("turn/start");
    };
    expect(typesOnly).toBeTypeOf("function");
  });
});

describe("config writes", () => {
  it("writeConfigValue defaults mergeStrategy to upsert, and keeps one given", async () => {
    await using t = connectToFake({
      handlers: { "config/value/write": WRITTEN, "config/batchWrite": WRITTEN },
    });
    expect(await t.client.writeConfigValue({ keyPath: "model", value: "o3" })).toEqual(WRITTEN);
    await t.client.writeConfigValue({ keyPath: "model", value: "o3", mergeStrategy: "replace" });
    await t.client.batchWriteConfig({
      edits: [
        { keyPath: "model", value: "o3" },
        { keyPath: "features", value: {}, mergeStrategy: "replace" },
      ],
    });
    const writes = t.server.requests("config/value/write").map((r) => r.params);
    expect(writes).toEqual([
      { keyPath: "model", value: "o3", mergeStrategy: "upsert" },
      { keyPath: "model", value: "o3", mergeStrategy: "replace" },
    ]);
    expect(t.server.requests("config/batchWrite")[0]?.params).toEqual({
      edits: [
        { keyPath: "model", value: "o3", mergeStrategy: "upsert" },
        { keyPath: "features", value: {}, mergeStrategy: "replace" },
      ],
    });
  });
});

describe("readThread", () => {
  it("includes turns by default, like the Python SDK; includeTurns: false leaves them out", async () => {
    await using t = connectToFake();
    const thread = await t.client.startThread();
    await t.client.readThread(thread.id);
    await thread.read();
    await t.client.readThread(thread.id, { includeTurns: false });
    expect(t.server.requests("thread/read").map((r) => r.params)).toEqual([
      { threadId: thread.id, includeTurns: true },
      { threadId: thread.id, includeTurns: true },
      { threadId: thread.id, includeTurns: false },
    ]);
  });

  it("by default, reads a thread whose turns cannot be listed yet without them; asked for, the refusal is thrown", async () => {
    await using t = connectToFake();
    const thread = await t.client.startThread();
    t.server.on("thread/read", (params) => {
      // What codex-cli 0.169.0 answers for a thread that has had no turn yet.
      if (params.includeTurns) throw new CodexMethodNotFoundError("list_turns is not supported yet");
      return { thread: thread.info };
    });
    expect((await t.client.readThread(thread.id)).thread.id).toBe(thread.id);
    await expect(t.client.readThread(thread.id, { includeTurns: true })).rejects.toBeInstanceOf(
      CodexMethodNotFoundError,
    );
    expect(t.server.requests("thread/read").map((r) => r.params)).toEqual([
      { threadId: thread.id, includeTurns: true },
      { threadId: thread.id, includeTurns: false },
      { threadId: thread.id, includeTurns: true },
    ]);
  });
});

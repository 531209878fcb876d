import { step } from "@codex-app-server/testing";
import { retryOnOverload, ServerBusyError } from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import { CodexInvalidStateError } from "../src/index.js";
import { connectToFake } from "./support.js";

describe("client lifecycle", () => {
  it("initializes lazily once, with client info and capabilities", async () => {
    await using t = connectToFake(
      {},
      {
        clientInfo: { name: "my-app", version: "1.2.3" },
        experimentalApi: true,
        optOutNotificationMethods: ["item/plan/delta"],
      },
    );
    expect(t.client.state).toBe("idle");
    await Promise.all([t.client.listModels(), t.client.listModels()]);
    expect(t.client.state).toBe("ready");
    const init = t.server.requests("initialize");
    expect(init).toHaveLength(1);
    expect(init[0]?.params).toEqual({
      clientInfo: { name: "my-app", title: null, version: "1.2.3" },
      capabilities: {
        experimentalApi: true,
        requestAttestation: false,
        optOutNotificationMethods: ["item/plan/delta"],
      },
    });
  });

  it("closes: state closed, later calls refused", async () => {
    await using t = connectToFake();
    await t.client.initialize();
    await t.client.close();
    expect(t.client.state).toBe("closed");
    await expect(t.client.listModels()).rejects.toThrow(/closed/);
  });

  it("retries the server's overload answer with retryOnOverload", async () => {
    await using t = connectToFake();
    await t.client.initialize();
    t.server.overloadNext(2);
    await expect(t.client.listModels()).rejects.toBeInstanceOf(ServerBusyError);
    const models = await retryOnOverload(() => t.client.listModels(), { initialDelayMs: 1, maxDelayMs: 2 });
    expect(models).toEqual({ data: [], nextCursor: null });
    expect(t.server.requests("model/list")).toHaveLength(3);
  });

  it("sends typed requests for any method", async () => {
    await using t = connectToFake({
      handlers: { "config/read": { config: {}, origins: {}, layers: null } as never },
    });
    const config = await t.client.request("config/read", { includeLayers: false });
    expect(config).toEqual({ config: {}, origins: {}, layers: null });
  });
});

describe("thread operations", () => {
  it("archives, unarchives, renames, reads, lists, forks, reverts, compacts", async () => {
    await using t = connectToFake();
    const thread = await t.client.startThread({ model: "m" });
    expect(thread.state).toBe("idle");
    await thread.setName("named");
    expect((await thread.read()).thread.name).toBe("named");
    await thread.archive();
    expect(thread.state).toBe("archived");
    await expect(thread.turn("x")).rejects.toBeInstanceOf(CodexInvalidStateError);
    const back = await thread.unarchive();
    expect(back).toBe(thread);
    expect(thread.state).toBe("idle");
    const fork = await thread.fork();
    expect(fork.id).not.toBe(thread.id);
    expect(fork.info.forkedFromId).toBe(thread.id);
    await thread.revert("turn-1");
    await thread.compact();
    const list = await t.client.listThreads();
    expect(list.data.map((x) => x.id).sort()).toEqual([thread.id, fork.id].sort());
    expect(t.server.requests().map((r) => r.method)).toEqual([
      "initialize",
      "thread/start",
      "thread/name/set",
      "thread/read",
      "thread/archive",
      "thread/unarchive",
      "thread/fork",
      "thread/revert",
      "thread/compact/start",
      "thread/list",
    ]);
  });

  it("resumes a thread it has not seen before chatting on it", async () => {
    await using t = connectToFake({ turns: [[step.message("one")], [step.message("two")]] });
    const first = await t.client.chatOnce("a");
    await using other = connectToFake();
    void other;
    const thread = t.client.thread(first.threadId);
    expect(thread?.state).toBe("idle");
    const resumed = await t.client.resumeThread(first.threadId);
    expect(resumed).toBe(thread);
  });
});

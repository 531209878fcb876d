import { CodexRpcError, ServerBusyError } from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import { connectFake } from "../../test/support/fakeConnection.js";
import { FakeAppServerClosedError, FakeScriptError, FakeServerInvalidMessageError } from "./errors.js";
import { FakeAppServer } from "./fakeAppServer.js";
import { startFakeAppServer } from "./startFakeAppServer.js";
import { step } from "./turnScript.js";

describe("FakeAppServer handlers", () => {
  it("answers with a value, replacing the built-in answer", async () => {
    await using t = await connectFake({ handlers: { "model/list": { data: [], nextCursor: "next-page" } } });
    expect(await t.client.peer.request("model/list", {})).toEqual({ data: [], nextCursor: "next-page" });
    expect(await t.client.peer.request("model/list", {})).toEqual({ data: [], nextCursor: "next-page" });
  });

  it("answers with a function of the params and the call number", async () => {
    await using t = await connectFake();
    t.server.on("thread/name/set", (params, call) => {
      expect(params).toMatchObject({ name: `name ${call}` });
      return {};
    });
    const threadId = await t.client.startThread();
    await t.client.peer.request("thread/name/set", { threadId, name: "name 0" });
    await t.client.peer.request("thread/name/set", { threadId, name: "name 1" });
    expect(t.server.requests("thread/name/set")).toHaveLength(2);
  });

  it("answers from a list indexed by call number; the last entry repeats", async () => {
    await using t = await connectFake();
    t.server.on("model/list", [
      { data: [], nextCursor: "a" },
      { data: [], nextCursor: "b" },
    ]);
    const cursors = [];
    for (let i = 0; i < 3; i++) cursors.push((await t.client.peer.request("model/list", {})).nextCursor);
    expect(cursors).toEqual(["a", "b", "b"]);
  });

  it("answers with an error when a handler throws a CodexRpcError", async () => {
    await using t = await connectFake();
    t.server.on("model/list", () => {
      throw new CodexRpcError(-32600, "not today", { data: { why: "test" } });
    });
    await expect(t.client.peer.request("model/list", {})).rejects.toMatchObject({
      code: -32600,
      message: "not today",
      data: { why: "test" },
    });
    expect(t.server.errors).toEqual([]);
  });

  it("refuses to send a handler's result that fails the schema, and records why", async () => {
    await using t = await connectFake({ handlers: { "model/list": { data: "not a list" } as never } });
    await expect(t.client.peer.request("model/list", {})).rejects.toMatchObject({
      code: -32603,
      message: expect.stringContaining("invalid result of model/list"),
    });
    expect(t.server.errors).toEqual([expect.any(FakeServerInvalidMessageError)]);
  });

  it("answers an unknown method with -32601", async () => {
    await using t = await connectFake();
    await expect(t.client.peer.requestUntyped("no/such/method", {})).rejects.toMatchObject({ code: -32601 });
  });

  it("overloadNext(n) answers the next n requests with -32001 and no data, then serves again", async () => {
    await using t = await connectFake();
    t.server.overloadNext(2);
    for (let i = 0; i < 2; i++) {
      const error = await t.client.peer.request("model/list", {}).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ServerBusyError);
      expect(error).toMatchObject({
        code: -32001,
        message: "Server overloaded; retry later.",
        data: undefined,
      });
    }
    expect(await t.client.peer.request("model/list", {})).toEqual({ data: [], nextCursor: null });
    const errors = t.server.sent.filter((m) => "error" in m);
    expect(errors.map((m) => (m as { error: unknown }).error)).toEqual([
      { code: -32001, message: "Server overloaded; retry later." },
      { code: -32001, message: "Server overloaded; retry later." },
    ]);
  });
});

describe("FakeAppServer built-in answers", () => {
  it("keeps threads: start, read, list, name, archive (with its notification after the answer), revert, compact", async () => {
    await using t = await connectFake({ cwd: "/repo", model: "gpt-test" });
    const threadId = await t.client.startThread();
    const read = await t.client.peer.request("thread/read", { threadId });
    expect(read.thread).toMatchObject({
      id: threadId,
      cwd: "/repo",
      model: "gpt-test",
      status: { type: "idle" },
    });
    await t.client.peer.request("thread/name/set", { threadId, name: "renamed" });
    expect((await t.client.peer.request("thread/list", {})).data).toEqual([
      expect.objectContaining({ id: threadId, name: "renamed" }),
    ]);
    await t.client.peer.request("thread/archive", { threadId });
    await t.client.waitForNotification("thread/archived", (params) => params.threadId === threadId);
    const answer = t.server.sent.findIndex(
      (m) => "result" in m && m.id === t.server.requests("thread/archive")[0]?.id,
    );
    const notification = t.server.sent.findIndex((m) => "method" in m && m.method === "thread/archived");
    expect(notification).toBeGreaterThan(answer);
    expect(
      (await t.client.peer.request("thread/revert", { threadId, beforeTurnId: "turn-1" })).thread.id,
    ).toBe(threadId);
    expect(await t.client.peer.request("thread/compact/start", { threadId })).toEqual({});
    await expect(t.client.peer.request("thread/read", { threadId: "missing" })).rejects.toMatchObject({
      code: -32600,
      message: "thread not found: missing",
    });
  });

  it("answers turn/start like the real server: an in-progress turn with no items and no times", async () => {
    await using t = await connectFake();
    const threadId = await t.client.startThread();
    const result = await t.client.peer.request("turn/start", { threadId, input: [] });
    expect(result.turn).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      rootTurnId: result.turn.id,
      items: [],
      itemsView: "notLoaded",
      status: "inProgress",
      error: null,
      startedAt: null,
      completedAt: null,
      durationMs: null,
    });
  });

  it("plays queued scripts first in first out, then the default turn", async () => {
    await using t = await connectFake({
      turns: [[step.message("one")]],
      defaultTurn: [step.message("default")],
    });
    t.server.enqueueTurn([step.message("two")]);
    expect(t.server.pendingTurns).toBe(2);
    const threadId = await t.client.startThread();
    const texts = [];
    for (let i = 0; i < 3; i++)
      texts.push((await t.client.runTurn(threadId, `turn ${i}`)).turn.items[0]?.text);
    expect(texts).toEqual(["one", "two", "default"]);
  });

  it("sends turn/started before answering turn/start when the script asks for early notifications", async () => {
    for (const earlyNotifications of [true, false]) {
      await using t = await connectFake({ turns: [{ steps: [step.message("x")], earlyNotifications }] });
      const run = await t.client.runTurn(await t.client.startThread(), "go");
      const methods = t.server.sent.map((m) =>
        "method" in m
          ? m.method
          : "result" in m && (m.result as { turn?: unknown }).turn
            ? "ANSWER turn/start"
            : "answer",
      );
      const answer = methods.indexOf("ANSWER turn/start");
      const started = methods.indexOf("turn/started");
      expect(started < answer).toBe(earlyNotifications);
      if (earlyNotifications) expect(methods[answer - 2]).toBe("thread/status/changed");
      expect(run.sequence.filter((entry) => entry === "turn/started")).toHaveLength(1);
    }
  });
});

describe("FakeAppServer recording", () => {
  it("records what it receives and sends, with emittedAtMs on notifications", async () => {
    await using t = await connectFake();
    const threadId = await t.client.startThread();
    await t.client.runTurn(threadId, "hi");

    expect(t.server.requests().map((r) => r.method)).toEqual(["initialize", "thread/start", "turn/start"]);
    expect(t.server.requests("turn/start")[0]?.params).toMatchObject({ threadId });
    expect(t.server.received).toContainEqual({ method: "initialized" });
    const notifications = t.server.sent.filter((m) => "method" in m && !("id" in m));
    expect(notifications.length).toBeGreaterThan(5);
    expect(notifications.every((m) => typeof (m as { emittedAtMs?: unknown }).emittedAtMs === "number")).toBe(
      true,
    );
    expect(t.server.sent.filter((m) => "result" in m).map((m) => (m as { id: unknown }).id)).toEqual(
      t.server.requests().map((r) => r.id),
    );
  });

  it("waitForRequest resolves with a request already received or yet to come", async () => {
    await using t = await connectFake();
    expect((await t.server.waitForRequest("initialize")).method).toBe("initialize");
    const second = t.server.waitForRequest("model/list", 2);
    await t.client.peer.request("model/list", {});
    let settled = false;
    void second.then(() => {
      settled = true;
    });
    await t.client.peer.request("thread/list", {});
    expect(settled).toBe(false);
    await t.client.peer.request("model/list", {});
    expect((await second).id).toBe(t.server.requests("model/list")[1]?.id);
  });

  it("closing rejects pending waits with FakeAppServerClosedError and refuses new connections", async () => {
    const fake = startFakeAppServer();
    const waiting = fake.server.waitForRequest("turn/start");
    await fake.close();
    await expect(waiting).rejects.toBeInstanceOf(FakeAppServerClosedError);
    await expect(fake.server.waitForRequest("turn/start")).rejects.toBeInstanceOf(FakeAppServerClosedError);
    expect(fake.server.closed).toBe(true);
    const { transport } = FakeAppServer.inMemory();
    await transport.close();
  });

  it("disposing a started fake ends a hanging turn and closes the client's transport", async () => {
    let closedReason: string | undefined;
    {
      await using fake = startFakeAppServer({ turns: [[step.hang()]] });
      const { RawClient } = await import("../../test/support/rawClient.js");
      const client = await RawClient.connect(fake.transport);
      void client.closed.then((info) => {
        closedReason = info.reason;
      });
      await client.startTurn(await client.startThread(), "hang");
      await fake.server.waitForRequest("turn/start");
    }
    await Promise.resolve();
    expect(closedReason).toBe("closed by the other end");
  });
});

describe("FakeAppServer scripts", () => {
  it("refuses an invalid script at once, naming the step", () => {
    expect(
      () => new FakeAppServer({ turns: [[step.message("ok"), { type: "mesage", text: "typo" } as never]] }),
    ).toThrow(
      new FakeScriptError(
        'turns[0].steps[1]: unknown step type "mesage"; expected one of message, reasoning, exec, fileChange, approval, waitForSteer, pause, usage, fail, hang, dropConnection, malformed, notify',
      ),
    );
    const fake = new FakeAppServer();
    expect(() => fake.enqueueTurn([{ type: "pause" } as never])).toThrow(
      /enqueueTurn\(#0\)\.steps\[0\]: a "pause" step needs "ms"/,
    );
  });
});

describe("FakeAppServer.notify", () => {
  it("sends a notification outside any turn script to the connected client, and refuses invalid params", async () => {
    await using t = await connectFake();
    const threadId = await t.client.startThread();
    await t.server.notify("thread/status/changed", { threadId, status: { type: "idle" } });
    const entry = await t.client.waitForNotification("thread/status/changed");
    expect(entry).toMatchObject({ params: { threadId, status: { type: "idle" } } });
    await expect(t.server.notify("thread/status/changed", { threadId } as never)).rejects.toBeInstanceOf(
      FakeServerInvalidMessageError,
    );
  });
});

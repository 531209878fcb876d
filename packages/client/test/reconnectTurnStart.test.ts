import type { ThreadItem } from "@codex-app-server/protocol";
import {
  CodexAbortError,
  CodexConnectionLostError,
  ConnectionClosedError,
} from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import type { AnyActorRef } from "xstate";
import { answerResumeWith, connectThroughProxy } from "./proxiedFake.js";
import { waitForSnapshot } from "./support.js";
import { agentMessageItem, resumedTurn } from "./threadItems.js";

/**
 * A `turn/start` in flight when the connection drops: the server may have started the turn and its
 * answer was lost, or never had the request. The start waits for the client to reconnect and looks in
 * the resumed thread. Over the fake, whose `turn/start` here never answers and whose `thread/resume`
 * says what the server has; realServerReconnect.test.ts holds the first case against the real server.
 */

describe("a turn start cut by a dropped connection (fake server)", () => {
  it("the server started it: the start resolves with that turn, detached then streaming, nothing lost", async () => {
    const turnEvents: string[] = [];
    await using t = await connectThroughProxy(
      {},
      {
        inspect: (event) => {
          if (event.type === "@xstate.event" && (event.actorRef as AnyActorRef).id === "turn:turn-cut") {
            turnEvents.push(event.event.type);
          }
        },
      },
    );
    const thread = await t.client.startThread();
    t.fake.on("turn/start", () => new Promise<never>(() => {}));
    const starting = thread.turn("hello");
    await t.fake.waitForRequest("turn/start");
    const before = agentMessageItem("msg-before-the-answer", "Working on it.");
    answerResumeWith(t.fake, thread.id, [resumedTurn("turn-cut", [before], "inProgress")]);
    t.proxy.cut();

    const turn = await starting;
    expect(turn.turnId).toBe("turn-cut");
    expect(turn.threadId).toBe(thread.id);
    expect(turn.state).toBe("streaming");
    // In the inspector, the turn's actor was spawned, detached, and restored from the resumed thread.
    expect(turnEvents.slice(0, 3)).toEqual(["xstate.init", "connection.lost", "connection.restored"]);
    // The turn goes on live after the reconnection.
    const after = agentMessageItem("msg-after", "Done.");
    await t.fake.notify("item/started", {
      threadId: thread.id,
      turnId: "turn-cut",
      item: { ...after, text: "" } as ThreadItem,
      startedAtMs: 0,
    });
    await t.fake.notify("item/agentMessage/delta", {
      threadId: thread.id,
      turnId: "turn-cut",
      itemId: "msg-after",
      delta: "Done.",
    });
    await t.fake.notify("item/completed", {
      threadId: thread.id,
      turnId: "turn-cut",
      item: after,
      completedAtMs: 0,
    });
    await t.fake.notify("turn/completed", {
      threadId: thread.id,
      turn: resumedTurn("turn-cut", [before, after], "completed"),
    });
    const result = await turn.result();
    expect(result.status).toBe("completed");
    expect(result.items.map((i) => i.id)).toEqual(["msg-before-the-answer", "msg-after"]);
    expect(result.finalResponse).toBe("Done.");
    expect(turnEvents.at(-1)).toBe("turn.completed");
    expect(turn.state).toBe("completed");
    await waitForSnapshot(thread.actor, (s) => s.matches("idle"));
    expect(t.fake.requests("turn/start")).toHaveLength(1);
    expect(t.errors).toEqual([]);
  });

  it("it ended while the client was away: the start resolves with the finished turn", async () => {
    await using t = await connectThroughProxy();
    const thread = await t.client.startThread();
    t.fake.on("turn/start", () => new Promise<never>(() => {}));
    const starting = thread.turn("quick");
    await t.fake.waitForRequest("turn/start");
    answerResumeWith(t.fake, thread.id, [
      resumedTurn("turn-quick", [agentMessageItem("msg-1", "All done.")], "completed"),
    ]);
    t.proxy.cut();
    const turn = await starting;
    const result = await turn.result();
    expect([turn.turnId, result.status, result.finalResponse]).toEqual([
      "turn-quick",
      "completed",
      "All done.",
    ]);
    expect(turn.state).toBe("completed");
    await waitForSnapshot(thread.actor, (s) => s.matches("idle"));
  });

  it("a compaction answered before the cut, whose turn/started the cut lost: found and followed too", async () => {
    await using t = await connectThroughProxy();
    const thread = await t.client.startThread();
    // The fake answers {} and its compaction never starts: the client waits for a turn/started.
    t.fake.on("thread/compact/start", {});
    const compacting = thread.compact();
    await t.fake.waitForRequest("thread/compact/start");
    const compaction = { type: "contextCompaction", id: "compaction-1" } as ThreadItem;
    answerResumeWith(t.fake, thread.id, [resumedTurn("turn-compaction", [compaction], "completed")]);
    t.proxy.cut();
    const turn = await compacting;
    expect(turn.kind).toBe("compaction");
    expect(turn.turnId).toBe("turn-compaction");
    expect((await turn.result()).items.map((i) => i.type)).toEqual(["contextCompaction"]);
  });

  it("a chatOnce aborted while its cut start waits: the turn found after the reconnection is interrupted", async () => {
    await using t = await connectThroughProxy();
    const thread = await t.client.startThread();
    t.fake.on("turn/start", () => new Promise<never>(() => {}));
    t.fake.on("turn/interrupt", {});
    const controller = new AbortController();
    const chatting = t.client
      .chatOnce("hello", { threadId: thread.id, signal: controller.signal })
      .catch((e: unknown) => e);
    await t.fake.waitForRequest("turn/start");
    answerResumeWith(t.fake, thread.id, [resumedTurn("turn-cut", [], "inProgress")]);
    t.proxy.refuse();
    t.proxy.cut();
    await waitForSnapshot(t.client.actor, (s) => s.matches("reconnecting"));
    controller.abort(new Error("the user gave up"));
    t.proxy.accept();
    const interrupt = await t.fake.waitForRequest("turn/interrupt");
    expect(interrupt.params).toMatchObject({ threadId: thread.id, turnId: "turn-cut" });
    await t.fake.notify("turn/completed", {
      threadId: thread.id,
      turn: resumedTurn("turn-cut", [], "interrupted"),
    });
    expect(await chatting).toBeInstanceOf(CodexAbortError);
    await waitForSnapshot(thread.actor, (s) => s.matches("idle"));
  });

  it("the server never had it: a CodexConnectionLostError that says so, and the thread is free", async () => {
    await using t = await connectThroughProxy();
    const thread = await t.client.startThread();
    const earlier = await thread.turn("an earlier turn");
    await earlier.result();
    t.fake.on("turn/start", () => new Promise<never>(() => {}));
    const starting = thread.turn("lost on the way").catch((e: unknown) => e);
    await t.fake.waitForRequest("turn/start", 2);
    // The thread's newest turn is one this client ran before the start: not taken for it.
    answerResumeWith(t.fake, thread.id, [resumedTurn(earlier.turnId, [], "completed")]);
    t.proxy.cut();
    const error = await starting;
    expect(error).toBeInstanceOf(CodexConnectionLostError);
    expect((error as CodexConnectionLostError).method).toBe("turn/start");
    expect((error as Error).message).toMatch(/did not start, and can be started again/);
    expect(thread.state).toBe("idle");
    expect(thread.actor.getSnapshot().can({ type: "turn.requested", kind: "turn" })).toBe(true);
    expect(t.client.state).toBe("ready");
  });

  it("a start cut on a client that does not reconnect fails with the close, as before", async () => {
    await using t = await connectThroughProxy({}, { reconnect: false });
    const thread = await t.client.startThread();
    t.fake.on("turn/start", () => new Promise<never>(() => {}));
    const starting = thread.turn("no way back").catch((e: unknown) => e);
    await t.fake.waitForRequest("turn/start");
    t.proxy.cut();
    const error = await starting;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).not.toBeInstanceOf(CodexConnectionLostError);
    expect(t.client.state).toBe("failed");
  });
});

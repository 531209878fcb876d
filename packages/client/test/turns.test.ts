import { step } from "@codex-app-server/testing";
import { ConnectionClosedError } from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import type { AnyActorRef, InspectionEvent } from "xstate";
import { CodexBufferOverflowError, CodexInvalidStateError, input } from "../src/index.js";
import { connectToFake, waitForSnapshot } from "./support.js";

describe("turn handles", () => {
  it("streams text deltas and returns the result", async () => {
    await using t = connectToFake({ turns: [[step.message("Hello, world", { chunks: 4 })]] });
    const thread = await t.client.startThread();
    const turn = await thread.turn("hi");
    const deltas: string[] = [];
    for await (const d of turn.textDeltas()) deltas.push(d);
    expect(deltas.join("")).toBe("Hello, world");
    expect(deltas.length).toBe(4);
    const result = await turn.result();
    expect(result).toMatchObject({ status: "completed", finalResponse: "Hello, world", turnId: turn.turnId });
    expect(turn.state).toBe("completed");
  });

  it("events() yields every notification of the turn, in order, once", async () => {
    await using t = connectToFake({ turns: [[step.message("ab", { chunks: 2 })]] });
    const thread = await t.client.startThread();
    const turn = await thread.turn("hi");
    const methods: string[] = [];
    for await (const e of turn.events()) methods.push(e.method);
    expect(methods).toEqual([
      "turn/started",
      "item/started",
      "item/completed",
      "item/started",
      "item/agentMessage/delta",
      "item/agentMessage/delta",
      "item/completed",
      "thread/tokenUsage/updated",
      "turn/completed",
    ]);
    const again: string[] = [];
    for await (const e of turn.events()) again.push(e.method);
    expect(again).toEqual([]);
  });

  it("replays notifications that arrive before the turn/start answer", async () => {
    await using t = connectToFake({
      turns: [{ steps: [step.message("early bird")], earlyNotifications: true }],
    });
    const thread = await t.client.startThread();
    const turn = await thread.turn("hi");
    const methods: string[] = [];
    for await (const e of turn.events()) methods.push(e.method);
    expect(methods[0]).toBe("turn/started");
    expect(methods.at(-1)).toBe("turn/completed");
    expect((await turn.result()).finalResponse).toBe("early bird");
  });

  it("fails the turn with a clear error when too many notifications arrive before the answer", async () => {
    await using t = connectToFake(
      { turns: [{ steps: [step.message("x")], earlyNotifications: true }] },
      { maxEarlyNotifications: 0 },
    );
    const thread = await t.client.startThread();
    const turn = await thread.turn("hi");
    await expect(turn.result()).rejects.toBeInstanceOf(CodexBufferOverflowError);
    expect(turn.state).toBe("failed");
  });

  it("keeps what arrived when turn/completed comes before anyone reads", async () => {
    await using t = connectToFake({ turns: [[step.message("done already", { chunks: 3 })]] });
    const thread = await t.client.startThread();
    const turn = await thread.turn("hi");
    await waitForSnapshot(turn.actor, (s) => s.status === "done");
    const steps: string[] = [];
    for await (const s of turn.steps()) steps.push(s.text);
    expect(steps).toEqual(["done already"]);
  });

  it("takes the input kinds: text, image URL, local image, skill, mention", async () => {
    await using t = connectToFake();
    const thread = await t.client.startThread();
    const turn = await thread.turn([
      "plain",
      input.imageUrl("https://example.com/a.png"),
      input.localImage("/tmp/a.png"),
      input.skill("s", "/skills/s"),
      input.mention("m", "/m"),
    ]);
    await turn.result();
    expect(t.server.requests("turn/start")[0]?.params).toMatchObject({
      input: [
        { type: "text", text: "plain", text_elements: [] },
        { type: "image", url: "https://example.com/a.png" },
        { type: "localImage", path: "/tmp/a.png" },
        { type: "skill", name: "s", path: "/skills/s" },
        { type: "mention", name: "m", path: "/m" },
      ],
    });
  });

  it("steers a streaming turn with turn/steer and the expected turn id", async () => {
    await using t = connectToFake({
      turns: [[step.message("first"), step.waitForSteer(), step.message("after steer")]],
    });
    const thread = await t.client.startThread();
    const turn = await thread.turn("go");
    await waitForSnapshot(turn.actor, (s) => s.matches("streaming"));
    const response = await turn.steer("also this");
    expect(response.turnId).toBe(turn.turnId);
    expect(t.server.requests("turn/steer")[0]?.params).toMatchObject({
      threadId: thread.id,
      expectedTurnId: turn.turnId,
    });
    const result = await turn.result();
    expect(result.finalResponse).toBe("after steer");
    expect(result.items.filter((i) => i.type === "userMessage")).toHaveLength(2);
    expect(turn.actor.getSnapshot().context.steerCount).toBe(1);
  });

  it("refuses to steer a turn that is not streaming, without sending anything", async () => {
    await using t = connectToFake();
    const thread = await t.client.startThread();
    const turn = await thread.turn("go");
    await turn.result();
    await expect(turn.steer("late")).rejects.toBeInstanceOf(CodexInvalidStateError);
    expect(t.server.requests("turn/steer")).toHaveLength(0);
  });

  it("interrupt moves through interrupting to interrupted", async () => {
    await using t = connectToFake({ turns: [[step.message("working"), step.hang()]] });
    const thread = await t.client.startThread();
    const turn = await thread.turn("go");
    const states: string[] = [];
    turn.actor.subscribe((s) =>
      states.push(typeof s.value === "string" ? s.value : (Object.keys(s.value)[0] ?? "")),
    );
    await waitForSnapshot(turn.actor, (s) => s.matches("streaming"));
    const result = await turn.interrupt();
    expect(result.status).toBe("interrupted");
    expect(states).toContain("interrupting");
    expect(states.at(-1)).toBe("interrupted");
    expect(thread.state).toBe("idle");
    expect(t.server.requests("turn/interrupt")[0]?.params).toEqual({
      threadId: thread.id,
      turnId: turn.turnId,
    });
  });

  it("interrupting a finished turn returns its result without a request", async () => {
    await using t = connectToFake();
    const thread = await t.client.startThread();
    const turn = await thread.turn("go");
    await turn.result();
    expect((await turn.interrupt()).status).toBe("completed");
    expect(t.server.requests("turn/interrupt")).toHaveLength(0);
  });

  it("runs one turn at a time per thread", async () => {
    await using t = connectToFake({ turns: [[step.hang()]] });
    const thread = await t.client.startThread();
    const turn = await thread.turn("one");
    await expect(thread.turn("two")).rejects.toBeInstanceOf(CodexInvalidStateError);
    expect(t.server.requests("turn/start")).toHaveLength(1);
    await turn.interrupt();
  });

  it("allows one reader per turn", async () => {
    await using t = connectToFake({ turns: [[step.pause(10), step.message("x")]] });
    const thread = await t.client.startThread();
    const turn = await thread.turn("go");
    const first = turn.events();
    const pending = first.next();
    await expect(turn.steps().next()).rejects.toBeInstanceOf(CodexInvalidStateError);
    await pending;
    await first.return?.();
  });

  it("thread.run returns finalResponse, items and usage", async () => {
    await using t = connectToFake({ turns: [[step.message("ran"), step.usage(3, 4)]] });
    const thread = await t.client.startThread();
    const run = await thread.run("go");
    expect(run.finalResponse).toBe("ran");
    expect(run.usage?.total.totalTokens).toBe(7);
    expect(run.items.map((i) => i.type)).toEqual(["userMessage", "agentMessage"]);
  });

  it("runs many turns on many threads at once, each routed to its own turn", async () => {
    const count = 10;
    await using t = connectToFake({
      turns: Array.from({ length: count }, (_, i) => [step.message(`answer ${i}`, { chunks: 5 })]),
    });
    const threads = await Promise.all(Array.from({ length: count }, () => t.client.startThread()));
    const turns = await Promise.all(threads.map((thread, i) => thread.turn(`question ${i}`)));
    const results = await Promise.all(turns.map((turn) => turn.result()));
    const answers = new Set(results.map((r) => r.finalResponse));
    expect(answers.size).toBe(count);
    for (const [i, r] of results.entries()) {
      expect(r.threadId).toBe(threads[i]?.id);
      expect(r.items.every((item) => item.type !== "agentMessage" || item.text === r.finalResponse)).toBe(
        true,
      );
    }
  });

  it("fails every live turn, reader and promise when the connection drops", async () => {
    await using t = connectToFake({ turns: [[step.hang()], [step.message("bye"), step.dropConnection()]] });
    const [a, b] = await Promise.all([t.client.startThread(), t.client.startThread()]);
    const turnB = await b.turn("hang");
    const turnA = await a.turn("drop");
    const reader = (async () => {
      for await (const _ of turnB.events()) {
        // drain
      }
    })();
    await expect(turnA.result()).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(reader).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(turnA.state).toBe("failed");
    expect(turnB.state).toBe("failed");
    expect(turnB.actor.getSnapshot().context.failure?.code).toBe("connection_closed");
    expect(a.state).toBe("closed");
    await expect(t.client.startThread()).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it("shows the whole actor tree to one inspector", async () => {
    const ids = new Set<string>();
    await using t = connectToFake(
      {},
      {
        inspect: (event: InspectionEvent) => {
          if (event.type === "@xstate.actor") ids.add((event.actorRef as AnyActorRef).id);
        },
      },
    );
    const result = await t.client.chatOnce("hi");
    expect(ids).toContain("client");
    expect(ids).toContain(`thread:${result.threadId}`);
    expect(ids).toContain(`turn:${result.turnId}`);
  });
});

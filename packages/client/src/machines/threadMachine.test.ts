import { describe, expect, it } from "vitest";
import type { AnyActorRef } from "xstate";
import { createActor } from "xstate";
import { threadMachine } from "./threadMachine.js";

function thread(origin: "start" | "resume" | "fork" | "attach" = "start") {
  const actor = createActor(threadMachine, { input: { threadId: "thr", origin } });
  actor.start();
  return actor;
}

describe("threadMachine", () => {
  it.each([
    ["start", "starting"],
    ["fork", "starting"],
    ["resume", "resuming"],
    ["attach", "resuming"],
  ] as const)("opens a %s thread in %s, then idle when ready", (origin, state) => {
    const actor = thread(origin);
    expect(actor.getSnapshot().value).toBe(state);
    expect(actor.getSnapshot().can({ type: "turn.requested" })).toBe(false);
    actor.send({ type: "thread.ready" });
    expect(actor.getSnapshot().value).toBe("idle");
  });

  it("runs one turn at a time", () => {
    const actor = thread();
    actor.send({ type: "thread.ready" });
    actor.send({ type: "turn.requested" });
    expect(actor.getSnapshot().value).toEqual({ running: "startingTurn" });
    expect(actor.getSnapshot().can({ type: "turn.requested" })).toBe(false);
    actor.send({ type: "turn.began", turnId: "t1" });
    expect(actor.getSnapshot().value).toEqual({ running: "turnActive" });
    expect(actor.getSnapshot().context.activeTurnId).toBe("t1");
    const turn = actor.getSnapshot().children["turn:t1"] as AnyActorRef;
    turn.send({ type: "turn.started" });
    expect(actor.getSnapshot().value).toEqual({ running: "turnActive" });
    turn.send({ type: "turn.completed", status: "completed", error: null });
    expect(actor.getSnapshot().value).toBe("idle");
    expect(actor.getSnapshot().context.turnCount).toBe(1);
  });

  it("returns to idle when turn/start fails", () => {
    const actor = thread();
    actor.send({ type: "thread.ready" });
    actor.send({ type: "turn.requested" });
    actor.send({ type: "turn.startFailed" });
    expect(actor.getSnapshot().value).toBe("idle");
  });

  it("archives only when idle, and unarchives back to idle", () => {
    const actor = thread();
    actor.send({ type: "thread.ready" });
    actor.send({ type: "turn.requested" });
    expect(actor.getSnapshot().can({ type: "archived" })).toBe(false);
    actor.send({ type: "turn.startFailed" });
    actor.send({ type: "archived" });
    expect(actor.getSnapshot().value).toBe("archived");
    expect(actor.getSnapshot().can({ type: "turn.requested" })).toBe(false);
    actor.send({ type: "unarchived" });
    expect(actor.getSnapshot().value).toBe("idle");
  });

  it("closes from anywhere", () => {
    const actor = thread();
    actor.send({ type: "thread.ready" });
    actor.send({ type: "turn.requested" });
    actor.send({ type: "closed", reason: "transport closed" });
    expect(actor.getSnapshot().value).toBe("closed");
    expect(actor.getSnapshot().status).toBe("done");
    expect(actor.getSnapshot().context.closeReason).toBe("transport closed");
  });
});

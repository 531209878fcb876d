import { describe, expect, it } from "vitest";
import { createActor, SimulatedClock } from "xstate";
import { turnMachine } from "./turnMachine.js";

function startTurn() {
  const clock = new SimulatedClock();
  const actor = createActor(turnMachine, {
    input: { threadId: "thr", turnId: "trn", inactivityTimeoutMs: 1000 },
    clock,
  });
  actor.start();
  actor.send({ type: "turn.started" });
  return { actor, clock };
}

describe("turnMachine detached", () => {
  it("a dropped connection detaches the turn; no timer runs; restored, it streams again", () => {
    const { actor, clock } = startTurn();
    expect(actor.getSnapshot().matches("streaming")).toBe(true);
    actor.send({ type: "connection.lost", message: "the connection dropped: socket closed (1006)" });
    expect(actor.getSnapshot().value).toBe("detached");
    expect(actor.getSnapshot().context.detachedBecause).toMatch(/1006/);
    clock.increment(10_000); // the inactivity timer does not run while detached
    expect(actor.getSnapshot().value).toBe("detached");
    expect(actor.getSnapshot().can({ type: "steer", id: "1", input: [] })).toBe(false);
    expect(actor.getSnapshot().can({ type: "interrupt" })).toBe(false);
    actor.send({ type: "connection.restored" });
    expect(actor.getSnapshot().value).toEqual({ streaming: "receiving" });
    expect(actor.getSnapshot().context.detachedBecause).toBeNull();
    clock.increment(1000);
    expect(actor.getSnapshot().value).toBe("inactive");
  });

  it("detaches from starting, inactive and interrupting too; restored, it streams (the server has it running)", () => {
    const clock = new SimulatedClock();
    const actor = createActor(turnMachine, { input: { threadId: "thr", turnId: "trn" }, clock });
    actor.start();
    actor.send({ type: "connection.lost", message: "dropped" });
    expect(actor.getSnapshot().value).toBe("detached");
    actor.send({ type: "connection.restored" });
    expect(actor.getSnapshot().matches("streaming")).toBe(true);
    expect(actor.getSnapshot().context.started).toBe(true);
  });

  it("ends from detached: the turn completed meanwhile, or reconnection gave up", () => {
    const done = startTurn();
    done.actor.send({ type: "connection.lost", message: "dropped" });
    done.actor.send({ type: "turn.completed", status: "completed", error: null });
    expect(done.actor.getSnapshot().value).toBe("completed");

    const lost = startTurn();
    lost.actor.send({ type: "connection.lost", message: "dropped" });
    lost.actor.send({ type: "transport.failed", code: "connection_closed", message: "3 attempts failed" });
    expect(lost.actor.getSnapshot().value).toBe("failed");
    expect(lost.actor.getSnapshot().context.failure).toEqual({
      code: "connection_closed",
      message: "3 attempts failed",
    });
  });
});

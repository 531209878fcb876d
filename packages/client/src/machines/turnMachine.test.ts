import { describe, expect, it } from "vitest";
import { createActor, fromPromise } from "xstate";
import { turnMachine } from "./turnMachine.js";

function startTurn(interrupt: () => Promise<unknown> = () => new Promise(() => {})) {
  const machine = turnMachine.provide({ actors: { interruptTurn: fromPromise(interrupt) } });
  const actor = createActor(machine, { input: { threadId: "thr", turnId: "trn" } });
  actor.start();
  return actor;
}

const completed = (status: "completed" | "interrupted" | "failed" | "inProgress") =>
  ({ type: "turn.completed", status, error: status === "failed" ? { message: "boom" } : null }) as const;

describe("turnMachine", () => {
  it("starts in starting and streams after turn/started", () => {
    const actor = startTurn();
    expect(actor.getSnapshot().value).toBe("starting");
    actor.send({ type: "turn.started" });
    expect(actor.getSnapshot().value).toEqual({ streaming: "receiving" });
  });

  it.each([
    ["completed", "completed"],
    ["interrupted", "interrupted"],
    ["failed", "failed"],
  ] as const)("turn/completed with status %s ends in %s", (status, state) => {
    const actor = startTurn();
    actor.send({ type: "turn.started" });
    actor.send(completed(status) as never);
    expect(actor.getSnapshot().value).toBe(state);
    expect(actor.getSnapshot().status).toBe("done");
  });

  it("keeps the turn's error when it fails", () => {
    const actor = startTurn();
    actor.send(completed("failed") as never);
    expect(actor.getSnapshot().context.error).toEqual({ message: "boom" });
  });

  it("ignores a turn/completed that still says inProgress", () => {
    const actor = startTurn();
    actor.send({ type: "turn.started" });
    actor.send(completed("inProgress") as never);
    expect(actor.getSnapshot().value).toEqual({ streaming: "receiving" });
  });

  it("accepts steering only while streaming", () => {
    const actor = startTurn();
    expect(actor.getSnapshot().can({ type: "steer" })).toBe(false);
    actor.send({ type: "turn.started" });
    expect(actor.getSnapshot().can({ type: "steer" })).toBe(true);
    actor.send({ type: "steer" });
    expect(actor.getSnapshot().context.steerCount).toBe(1);
    actor.send({ type: "inactivity.timeout" });
    expect(actor.getSnapshot().can({ type: "steer" })).toBe(false);
  });

  it("shows a pending request as awaitingRequest and returns to receiving when it closes", () => {
    const actor = startTurn();
    actor.send({ type: "turn.started" });
    actor.send({ type: "request.opened", requestId: "7" });
    expect(actor.getSnapshot().value).toEqual({ streaming: "awaitingRequest" });
    expect(actor.getSnapshot().context.pendingRequests).toEqual(["7"]);
    actor.send({ type: "request.closed", requestId: "7" });
    expect(actor.getSnapshot().value).toEqual({ streaming: "receiving" });
  });

  it("does not go inactive while a request waits for our answer", () => {
    const actor = startTurn();
    actor.send({ type: "turn.started" });
    actor.send({ type: "request.opened", requestId: "1" });
    expect(actor.getSnapshot().can({ type: "inactivity.timeout" })).toBe(false);
  });

  it("goes inactive on the timeout and only resume or interrupt leave it", () => {
    const actor = startTurn();
    actor.send({ type: "turn.started" });
    actor.send({ type: "inactivity.timeout" });
    expect(actor.getSnapshot().value).toBe("inactive");
    expect(actor.getSnapshot().can({ type: "turn.started" })).toBe(false);
    expect(actor.getSnapshot().can({ type: "steer" })).toBe(false);
    actor.send({ type: "resume" });
    expect(actor.getSnapshot().value).toEqual({ streaming: "receiving" });
  });

  it("can go inactive before turn/started arrives", () => {
    const actor = startTurn();
    actor.send({ type: "inactivity.timeout" });
    expect(actor.getSnapshot().value).toBe("inactive");
  });

  it("refuses resume outside inactive", () => {
    const actor = startTurn();
    actor.send({ type: "turn.started" });
    expect(actor.getSnapshot().can({ type: "resume" })).toBe(false);
  });

  it("interrupting invokes turn/interrupt with the turn's ids and ends on turn/completed", async () => {
    const calls: unknown[] = [];
    const actor = startTurn(async () => {
      calls.push("interrupt");
      return {};
    });
    actor.send({ type: "turn.started" });
    actor.send({ type: "interrupt" });
    expect(actor.getSnapshot().value).toBe("interrupting");
    await Promise.resolve();
    expect(calls).toEqual(["interrupt"]);
    actor.send(completed("interrupted") as never);
    expect(actor.getSnapshot().value).toBe("interrupted");
  });

  it("goes back to streaming with the reason when turn/interrupt fails", async () => {
    const actor = startTurn(async () => {
      throw new Error("no such turn");
    });
    actor.send({ type: "turn.started" });
    actor.send({ type: "interrupt" });
    await new Promise<void>((resolve) => {
      const sub = actor.subscribe((s) => {
        if (s.context.interruptError) {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    expect(actor.getSnapshot().value).toEqual({ streaming: "receiving" });
    expect(actor.getSnapshot().context.interruptError).toBe("no such turn");
  });

  it("interrupt is accepted from starting and inactive", () => {
    const a = startTurn();
    a.send({ type: "interrupt" });
    expect(a.getSnapshot().value).toBe("interrupting");
    const b = startTurn();
    b.send({ type: "inactivity.timeout" });
    b.send({ type: "interrupt" });
    expect(b.getSnapshot().value).toBe("interrupting");
  });

  it("fails with the transport's reason from any live state", () => {
    for (const prepare of [
      () => {},
      (a: ReturnType<typeof startTurn>) => a.send({ type: "turn.started" }),
      (a: ReturnType<typeof startTurn>) => a.send({ type: "inactivity.timeout" }),
      (a: ReturnType<typeof startTurn>) => a.send({ type: "interrupt" }),
    ]) {
      const actor = startTurn();
      prepare(actor);
      actor.send({
        type: "transport.failed",
        code: "connection_closed",
        message: "process exited with code 1",
      });
      expect(actor.getSnapshot().value).toBe("failed");
      expect(actor.getSnapshot().context.failure).toEqual({
        code: "connection_closed",
        message: "process exited with code 1",
      });
    }
  });

  it("accepts nothing once final", () => {
    const actor = startTurn();
    actor.send(completed("completed") as never);
    for (const type of ["steer", "interrupt", "resume", "turn.started"] as const) {
      expect(actor.getSnapshot().can({ type } as never)).toBe(false);
    }
  });

  it("keeps a serializable context", () => {
    const actor = startTurn();
    actor.send({ type: "turn.started" });
    actor.send({ type: "request.opened", requestId: "3" });
    const context = actor.getSnapshot().context;
    expect(JSON.parse(JSON.stringify(context))).toEqual(context);
  });
});

import type { TurnSteerResponse } from "@codex-app-server/protocol";
import { describe, expect, it } from "vitest";
import type { AnyActorRef } from "xstate";
import { createActor, fromPromise, SimulatedClock } from "xstate";
import type { RequestMachineInput } from "./requestMachine.js";
import { requestMachine } from "./requestMachine.js";
import type { SteerRequestFn, TurnEmitted, TurnMachineInput } from "./turnMachine.js";
import { INTERRUPT_RETRY_MS, steerActor, turnMachine } from "./turnMachine.js";

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A turn actor on a simulated clock, with its interrupt and steer requests recorded and held open. */
function startTurn(input: Partial<TurnMachineInput> = {}) {
  const clock = new SimulatedClock();
  const interrupts: Array<Deferred<unknown>> = [];
  const steers: Array<{
    params: Parameters<SteerRequestFn>[0];
    signal: AbortSignal;
    reply: Deferred<TurnSteerResponse>;
  }> = [];
  const decisions = new Map<string, Deferred<unknown>>();
  const machine = turnMachine.provide({
    actors: {
      request: requestMachine.provide({
        actors: {
          decide: fromPromise<unknown, RequestMachineInput>(({ input }) => {
            const decision = deferred<unknown>();
            decisions.set(String(input.id), decision);
            return decision.promise;
          }),
        },
      }),
      interruptTurn: fromPromise(() => {
        const call = deferred<unknown>();
        interrupts.push(call);
        return call.promise;
      }),
      steerTurn: steerActor((params, signal) => {
        const reply = deferred<TurnSteerResponse>();
        steers.push({ params, signal, reply });
        return reply.promise;
      }),
    },
  });
  const actor = createActor(machine, {
    clock,
    input: { threadId: "thr", turnId: "trn", inactivityTimeoutMs: 1000, interruptTimeoutMs: 5000, ...input },
  });
  const emitted: TurnEmitted[] = [];
  actor.on("*", (event) => emitted.push(event));
  actor.start();
  return { actor, clock, interrupts, steers, emitted, decisions };
}

const completed = (status: "completed" | "interrupted" | "failed" | "inProgress") =>
  ({ type: "turn.completed", status, error: status === "failed" ? { message: "boom" } : null }) as const;

const text = (t: string) => [{ type: "text" as const, text: t, text_elements: [] }];

const approval = (id: number): RequestMachineInput => ({
  id,
  method: "item/commandExecution/requestApproval",
  params: { threadId: "thr", turnId: "trn", availableDecisions: ["accept", "cancel"] },
  threadId: "thr",
  turnId: "trn",
});

/** Lets promise callbacks (a settled request) reach the actor. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("turnMachine", () => {
  it("starts in starting and streams after turn/started", () => {
    const { actor } = startTurn();
    expect(actor.getSnapshot().value).toBe("starting");
    actor.send({ type: "turn.started" });
    expect(actor.getSnapshot().value).toEqual({ streaming: "receiving" });
  });

  it.each([
    ["completed", "completed"],
    ["interrupted", "interrupted"],
    ["failed", "failed"],
  ] as const)("turn/completed with status %s ends in %s", (status, state) => {
    const { actor } = startTurn();
    actor.send({ type: "turn.started" });
    actor.send(completed(status) as never);
    expect(actor.getSnapshot().value).toBe(state);
    expect(actor.getSnapshot().status).toBe("done");
  });

  it("keeps the turn's error when it fails", () => {
    const { actor } = startTurn();
    actor.send(completed("failed") as never);
    expect(actor.getSnapshot().context.error).toEqual({ message: "boom" });
  });

  it("ignores a turn/completed that still says inProgress", () => {
    const { actor } = startTurn();
    actor.send({ type: "turn.started" });
    actor.send(completed("inProgress") as never);
    expect(actor.getSnapshot().value).toEqual({ streaming: "receiving" });
  });

  describe("inactivity (a delayed transition)", () => {
    it("goes inactive when nothing arrives for the timeout, and says so", () => {
      const { actor, clock, emitted } = startTurn();
      actor.send({ type: "turn.started" });
      clock.increment(999);
      expect(actor.getSnapshot().value).toEqual({ streaming: "receiving" });
      clock.increment(1);
      expect(actor.getSnapshot().value).toBe("inactive");
      expect(emitted).toEqual([{ type: "inactive" }]);
    });

    it("restarts the timer on activity", () => {
      const { actor, clock } = startTurn();
      actor.send({ type: "turn.started" });
      clock.increment(800);
      actor.send({ type: "activity" });
      clock.increment(800);
      expect(actor.getSnapshot().value).toEqual({ streaming: "receiving" });
      clock.increment(200);
      expect(actor.getSnapshot().value).toBe("inactive");
    });

    it("can go inactive before turn/started arrives", () => {
      const { actor, clock } = startTurn();
      clock.increment(1000);
      expect(actor.getSnapshot().value).toBe("inactive");
    });

    it("pauses while a request waits for our answer and restarts when it closes", async () => {
      const { actor, clock, decisions } = startTurn();
      actor.send({ type: "turn.started" });
      actor.send({ type: "request.opened", request: approval(1) });
      expect(actor.getSnapshot().value).toEqual({ streaming: "awaitingRequest" });
      clock.increment(10_000);
      expect(actor.getSnapshot().value).toEqual({ streaming: "awaitingRequest" });
      decisions.get("1")?.resolve({ decision: "accept" });
      await flush();
      expect(actor.getSnapshot().context.pendingRequests).toEqual([]);
      clock.increment(999);
      expect(actor.getSnapshot().value).toEqual({ streaming: "receiving" });
      clock.increment(1);
      expect(actor.getSnapshot().value).toBe("inactive");
    });

    it("takes a new timeout from inactivity.set, and none when it is null", () => {
      const { actor, clock } = startTurn();
      actor.send({ type: "turn.started" });
      actor.send({ type: "inactivity.set", timeoutMs: 50 });
      clock.increment(50);
      expect(actor.getSnapshot().value).toBe("inactive");
      const never = startTurn({ inactivityTimeoutMs: null });
      never.actor.send({ type: "turn.started" });
      never.clock.increment(2_000_000_000);
      expect(never.actor.getSnapshot().value).toEqual({ streaming: "receiving" });
    });

    it("only resume or interrupt leave inactive; resume goes back to where the turn was", () => {
      const { actor, clock } = startTurn();
      clock.increment(1000);
      expect(actor.getSnapshot().can({ type: "steer", id: "1", input: text("x") })).toBe(false);
      actor.send({ type: "resume" });
      expect(actor.getSnapshot().value).toBe("starting");
      actor.send({ type: "turn.started" });
      clock.increment(1000);
      actor.send({ type: "resume" });
      expect(actor.getSnapshot().value).toEqual({ streaming: "receiving" });
    });

    it("refuses resume outside inactive", () => {
      const { actor } = startTurn();
      actor.send({ type: "turn.started" });
      expect(actor.getSnapshot().can({ type: "resume" })).toBe(false);
    });
  });

  describe("server requests (child actors request:<id>)", () => {
    it("spawns each request as a child that sends an offered answer, and declines what is not offered", async () => {
      const { actor, decisions } = startTurn();
      actor.send({ type: "turn.started" });
      actor.send({ type: "request.opened", request: approval(1) });
      actor.send({ type: "request.opened", request: approval(2) });
      const one = actor.getSnapshot().children["request:1"] as AnyActorRef;
      const two = actor.getSnapshot().children["request:2"] as AnyActorRef;
      expect(one.getSnapshot().value).toBe("pending");
      decisions.get("1")?.resolve({ decision: "accept" });
      decisions.get("2")?.resolve({ decision: "acceptWithSomethingElse" });
      await flush();
      expect(one.getSnapshot()).toMatchObject({ value: "answered", output: { decision: "accept" } });
      expect(two.getSnapshot()).toMatchObject({
        value: "defaulted",
        output: { decision: "decline" },
        context: { reason: "the answer is not one the request offers" },
      });
    });

    it("defaults when nobody decides or the decider throws, and is withdrawn on the server's word", async () => {
      const { actor, decisions } = startTurn();
      actor.send({ type: "turn.started" });
      for (const id of [1, 2, 3]) actor.send({ type: "request.opened", request: approval(id) });
      const child = (id: number) => actor.getSnapshot().children[`request:${id}`] as AnyActorRef;
      const [one, two, three] = [child(1), child(2), child(3)];
      decisions.get("1")?.resolve(undefined);
      decisions.get("2")?.reject(new Error("handler blew up"));
      three.send({ type: "withdraw", reason: "the server withdrew the request" });
      await flush();
      expect(one.getSnapshot()).toMatchObject({ value: "defaulted", context: { reason: "nobody decided" } });
      expect(two.getSnapshot()).toMatchObject({
        value: "defaulted",
        context: { reason: "the decider failed: handler blew up" },
      });
      expect(three.getSnapshot()).toMatchObject({
        value: "withdrawn",
        output: { decision: "decline" },
        context: { reason: "the server withdrew the request" },
      });
      expect(actor.getSnapshot().context.pendingRequests).toEqual([]);
    });
  });

  describe("steering", () => {
    it("sends a steer as a child actor while streaming and counts it once accepted", async () => {
      const { actor, steers, emitted } = startTurn();
      actor.send({ type: "turn.started" });
      actor.send({ type: "steer", id: "1", input: text("more") });
      expect(steers.map((s) => s.params)).toEqual([
        { threadId: "thr", expectedTurnId: "trn", input: text("more") },
      ]);
      expect(Object.keys(actor.getSnapshot().children)).toEqual(["steer:1"]);
      steers[0]?.reply.resolve({ turnId: "trn" });
      await flush();
      expect(actor.getSnapshot().context.steerCount).toBe(1);
      expect(actor.getSnapshot().children).toEqual({});
      expect(emitted).toEqual([{ type: "steer.settled", id: "1", response: { turnId: "trn" } }]);
    });

    it("holds a steer asked for while starting until turn/started", () => {
      const { actor, steers } = startTurn();
      actor.send({ type: "steer", id: "1", input: text("early") });
      expect(steers).toEqual([]);
      expect(actor.getSnapshot().context.queuedSteers).toEqual([{ id: "1", input: text("early") }]);
      actor.send({ type: "turn.started" });
      expect(steers.map((s) => s.params.input)).toEqual([text("early")]);
      expect(actor.getSnapshot().context.queuedSteers).toEqual([]);
    });

    it("reports a steer the server refused", async () => {
      const { actor, steers, emitted } = startTurn();
      actor.send({ type: "turn.started" });
      actor.send({ type: "steer", id: "1", input: text("x") });
      const error = new Error("expected turn mismatch");
      steers[0]?.reply.reject(error);
      await flush();
      expect(emitted).toEqual([{ type: "steer.settled", id: "1", error, reason: "refused" }]);
      expect(actor.getSnapshot().context.steerCount).toBe(0);
    });

    it("abandons steers in flight or queued when the turn is interrupted or ends: requests abort", () => {
      const a = startTurn();
      a.actor.send({ type: "turn.started" });
      a.actor.send({ type: "steer", id: "1", input: text("x") });
      a.actor.send({ type: "interrupt" });
      expect(a.steers[0]?.signal.aborted).toBe(true);
      expect(a.emitted).toEqual([{ type: "steer.settled", id: "1", reason: "interrupting" }]);
      expect(a.actor.getSnapshot().children["steer:1"]).toBeUndefined();

      const b = startTurn();
      b.actor.send({ type: "steer", id: "7", input: text("y") });
      b.actor.send(completed("completed") as never);
      expect(b.emitted).toEqual([{ type: "steer.settled", id: "7", reason: "ended" }]);
      expect(b.steers).toEqual([]);
    });

    it("is refused while inactive, interrupting, or once final", () => {
      const steer = { type: "steer", id: "1", input: text("x") } as const;
      const { actor, clock } = startTurn();
      actor.send({ type: "turn.started" });
      clock.increment(1000);
      expect(actor.getSnapshot().can(steer)).toBe(false);
      actor.send({ type: "interrupt" });
      expect(actor.getSnapshot().can(steer)).toBe(false);
      actor.send(completed("interrupted") as never);
      expect(actor.getSnapshot().can(steer)).toBe(false);
    });
  });

  describe("interrupting", () => {
    it("invokes turn/interrupt and ends on turn/completed", () => {
      const { actor, interrupts } = startTurn();
      actor.send({ type: "turn.started" });
      actor.send({ type: "interrupt" });
      expect(actor.getSnapshot().value).toEqual({ interrupting: "requesting" });
      expect(interrupts).toHaveLength(1);
      actor.send(completed("interrupted") as never);
      expect(actor.getSnapshot().value).toBe("interrupted");
    });

    it("holds an interrupt asked for while starting until turn/started", async () => {
      const { actor, interrupts } = startTurn();
      actor.send({ type: "interrupt" });
      expect(actor.getSnapshot().value).toEqual({ interrupting: "waitingForStart" });
      expect(interrupts).toHaveLength(0);
      actor.send({ type: "turn.started" });
      expect(actor.getSnapshot().value).toEqual({ interrupting: "requesting" });
      expect(interrupts).toHaveLength(1);
      interrupts[0]?.resolve({});
      await flush();
      expect(actor.getSnapshot().value).toEqual({ interrupting: "awaitingEnd" });
    });

    it("retries while the server says the turn is not running yet (-32600)", async () => {
      const { actor, clock, interrupts } = startTurn();
      actor.send({ type: "turn.started" });
      actor.send({ type: "interrupt" });
      interrupts[0]?.reject(Object.assign(new Error("no active turn to interrupt"), { code: -32600 }));
      await flush();
      expect(actor.getSnapshot().value).toEqual({ interrupting: "retrying" });
      clock.increment(INTERRUPT_RETRY_MS);
      expect(interrupts).toHaveLength(2);
      expect(actor.getSnapshot().context.interruptAttempts).toBe(2);
    });

    it.each([
      ["streaming", { streaming: "receiving" }],
      ["inactive", "inactive"],
    ] as const)("a refused interrupt from %s goes back there with the reason", async (from, back) => {
      const { actor, clock, interrupts } = startTurn();
      actor.send({ type: "turn.started" });
      if (from === "inactive") clock.increment(1000);
      actor.send({ type: "interrupt" });
      interrupts[0]?.reject(new Error("no such turn"));
      await flush();
      expect(actor.getSnapshot().value).toEqual(back);
      expect(actor.getSnapshot().context.interruptError).toBe("turn/interrupt failed: no such turn");
    });

    it("lands in unresponsive with the reason when turn/completed does not come in time", async () => {
      const { actor, clock, interrupts } = startTurn({ interruptTimeoutMs: 300 });
      actor.send({ type: "turn.started" });
      actor.send({ type: "interrupt" });
      interrupts[0]?.resolve({});
      await flush();
      clock.increment(300);
      expect(actor.getSnapshot().value).toBe("unresponsive");
      expect(actor.getSnapshot().context.interruptError).toBe(
        "turn/completed did not arrive within 300 ms of turn/interrupt",
      );
      actor.send({ type: "interrupt", timeoutMs: null });
      expect(actor.getSnapshot().value).toEqual({ interrupting: "requesting" });
      actor.send(completed("interrupted") as never);
      expect(actor.getSnapshot().value).toBe("interrupted");
    });

    it("is accepted from starting, streaming and inactive", () => {
      for (const prepare of [
        () => {},
        (t: ReturnType<typeof startTurn>) => t.actor.send({ type: "turn.started" }),
        (t: ReturnType<typeof startTurn>) => t.clock.increment(1000),
      ]) {
        const t = startTurn();
        prepare(t);
        t.actor.send({ type: "interrupt" });
        expect(t.actor.getSnapshot().matches("interrupting")).toBe(true);
      }
    });
  });

  it("fails with the transport's reason from any live state", () => {
    for (const prepare of [
      () => {},
      (t: ReturnType<typeof startTurn>) => t.actor.send({ type: "turn.started" }),
      (t: ReturnType<typeof startTurn>) => t.clock.increment(1000),
      (t: ReturnType<typeof startTurn>) => t.actor.send({ type: "interrupt" }),
    ]) {
      const t = startTurn();
      prepare(t);
      t.actor.send({
        type: "transport.failed",
        code: "connection_closed",
        message: "process exited with code 1",
      });
      expect(t.actor.getSnapshot().value).toBe("failed");
      expect(t.actor.getSnapshot().context.failure).toEqual({
        code: "connection_closed",
        message: "process exited with code 1",
      });
    }
  });

  it("accepts nothing once final", () => {
    const { actor } = startTurn();
    actor.send(completed("completed") as never);
    for (const event of [
      { type: "steer", id: "1", input: text("x") },
      { type: "interrupt" },
      { type: "resume" },
      { type: "turn.started" },
    ] as const) {
      expect(actor.getSnapshot().can(event)).toBe(false);
    }
  });

  it("keeps a serializable context", () => {
    const { actor } = startTurn();
    actor.send({ type: "steer", id: "1", input: text("x") });
    actor.send({ type: "request.opened", request: approval(3) });
    const context = actor.getSnapshot().context;
    expect(JSON.parse(JSON.stringify(context))).toEqual(context);
  });
});

import type { InitializeResponse } from "@codex-app-server/protocol";
import { describe, expect, it } from "vitest";
import { createActor, fromPromise, SimulatedClock } from "xstate";
import { DEFAULT_RECONNECT } from "../reconnect.js";
import { clientMachine } from "./clientMachine.js";

const response = { userAgent: "codex/0.171.0", platformOs: "linux" } as InitializeResponse;
const reconnect = { ...DEFAULT_RECONNECT, maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 };
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A client actor on a simulated clock; `reopen` decides how each reconnection attempt goes. */
function client(reopen: (attempt: number) => Promise<void>, resume: () => Promise<void> = async () => {}) {
  const clock = new SimulatedClock();
  let attempts = 0;
  const gaveUp: unknown[] = [];
  const resumed: number[] = [];
  const machine = clientMachine.provide({
    actors: {
      initialize: fromPromise(async () => response),
      reopenTransport: fromPromise(() => reopen(++attempts)),
      resumeThreads: fromPromise(async () => {
        await resume();
        resumed.push(attempts);
      }),
      giveUp: fromPromise(async ({ input }) => {
        gaveUp.push(input);
      }),
    },
  });
  const actor = createActor(machine, { input: { transport: "ws", reconnect }, clock });
  actor.start();
  return { actor, clock, gaveUp, resumed, attempts: () => attempts };
}

async function readyClient(reopen: (attempt: number) => Promise<void>) {
  const c = client(reopen);
  c.actor.send({ type: "connect" });
  await settled();
  expect(c.actor.getSnapshot().value).toBe("ready");
  return c;
}

describe("clientMachine reconnecting", () => {
  it("waits the backoff, reopens, initializes, resumes the threads, and is ready again", async () => {
    const c = await readyClient(async () => {});
    c.actor.send({ type: "transport.lost", reason: "socket closed (1006)" });
    expect(c.actor.getSnapshot().value).toEqual({ reconnecting: "waiting" });
    expect(c.actor.getSnapshot().context).toMatchObject({
      reconnectAttempt: 1,
      reconnectError: { code: "connection_lost", message: "socket closed (1006)" },
    });
    c.clock.increment(99);
    expect(c.attempts()).toBe(0);
    c.clock.increment(1);
    expect(c.actor.getSnapshot().value).toEqual({ reconnecting: "opening" });
    await settled();
    expect(c.actor.getSnapshot().value).toBe("ready");
    expect(c.resumed).toEqual([1]);
    expect(c.actor.getSnapshot().context).toMatchObject({ reconnectAttempt: 0, reconnectError: null });
  });

  it("backs off longer after each failed attempt, and succeeds on a later one", async () => {
    const c = await readyClient(async (attempt) => {
      if (attempt < 3) throw new Error(`refused ${attempt}`);
    });
    c.actor.send({ type: "transport.lost", reason: "dropped" });
    c.clock.increment(100); // attempt 1
    await settled();
    expect(c.actor.getSnapshot().value).toEqual({ reconnecting: "waiting" });
    expect(c.actor.getSnapshot().context.reconnectAttempt).toBe(2);
    expect(c.actor.getSnapshot().context.reconnectError?.message).toBe("refused 1");
    c.clock.increment(199);
    expect(c.attempts()).toBe(1);
    c.clock.increment(1); // attempt 2, after 200 ms
    await settled();
    c.clock.increment(400); // attempt 3, after 400 ms
    await settled();
    expect(c.actor.getSnapshot().value).toBe("ready");
    expect(c.attempts()).toBe(3);
  });

  it("gives up after maxAttempts: givingUp closes the transport, then failed", async () => {
    const c = await readyClient(async (attempt) => {
      throw new Error(`refused ${attempt}`);
    });
    c.actor.send({ type: "transport.lost", reason: "dropped" });
    for (const wait of [100, 200, 400]) {
      c.clock.increment(wait);
      await settled();
    }
    expect(c.actor.getSnapshot().value).toBe("givingUp");
    await settled();
    expect(c.gaveUp).toEqual([{ attempts: 3, error: { code: "initialize_failed", message: "refused 3" } }]);
    c.actor.send({ type: "transport.closed", reason: "gave up", failed: true, code: "reconnect_failed" });
    expect(c.actor.getSnapshot().value).toBe("failed");
    expect(c.actor.getSnapshot().context.failure).toEqual({ code: "reconnect_failed", message: "gave up" });
  });

  it("a connection that drops again while resuming is another attempt; close while reconnecting closes", async () => {
    let holdResume = true;
    const c = client(
      async () => {},
      () => (holdResume ? new Promise<void>(() => {}) : Promise.resolve()),
    );
    c.actor.send({ type: "connect" });
    await settled();
    c.actor.send({ type: "transport.lost", reason: "dropped" });
    c.clock.increment(100);
    await settled();
    expect(c.actor.getSnapshot().value).toEqual({ reconnecting: "resuming" });
    c.actor.send({ type: "transport.lost", reason: "dropped again" });
    expect(c.actor.getSnapshot().value).toEqual({ reconnecting: "waiting" });
    expect(c.actor.getSnapshot().context).toMatchObject({
      reconnectAttempt: 2,
      reconnectError: { message: "dropped again" },
    });
    holdResume = false;
    c.clock.increment(200);
    await settled();
    expect(c.actor.getSnapshot().value).toBe("ready");
    c.actor.send({ type: "transport.lost", reason: "dropped a third time" });
    c.actor.send({ type: "close" });
    expect(c.actor.getSnapshot().value).toBe("closing");
    c.actor.send({ type: "transport.closed", reason: "closed by client", failed: false });
    expect(c.actor.getSnapshot().value).toBe("closed");
  });
});

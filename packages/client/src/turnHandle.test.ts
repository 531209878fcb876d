import { step } from "@codex-app-server/testing";
import { CodexAbortError } from "@codex-app-server/transport";
import { describe, expect, it, vi } from "vitest";
import { createActor } from "xstate";
import { connectToFake, waitForSnapshot } from "../test/support.js";
import { CodexInvalidStateError } from "./errors.js";
import { turnMachine } from "./machines/turnMachine.js";
import { ACTIVITY_RESOLUTION_MS } from "./turnActivity.js";
import { TurnHandle } from "./turnHandle.js";
import type { ServerNotification } from "./turnTypes.js";

describe("TurnHandle readers", () => {
  it("a reader that stops early frees the turn, and the next one goes on from the cursor", async () => {
    await using t = connectToFake({ turns: [[step.message("abcd", { chunks: 4 })]] });
    const turn = await (await t.client.startThread()).turn("hi");
    const first: string[] = [];
    for await (const delta of turn.textDeltas()) {
      first.push(delta);
      if (first.length === 2) break;
    }
    const rest: string[] = [];
    for await (const delta of turn.textDeltas()) rest.push(delta);
    expect(first).toEqual(["a", "b"]);
    expect(rest).toEqual(["c", "d"]);
  });

  it("answers overlapping next() calls in order, each with its own event", async () => {
    await using t = connectToFake({ turns: [[step.pause(5), step.message("xyz", { chunks: 3 })]] });
    const turn = await (await t.client.startThread()).turn("hi");
    const deltas = turn.textDeltas();
    const results = await Promise.all([deltas.next(), deltas.next(), deltas.next(), deltas.next()]);
    expect(results).toEqual([
      { value: "x", done: false },
      { value: "y", done: false },
      { value: "z", done: false },
      { value: undefined, done: true },
    ]);
    expect(await deltas.next()).toEqual({ value: undefined, done: true });
  });

  it("ends a waiting read with CodexAbortError when its signal aborts, and frees the turn", async () => {
    await using t = connectToFake({ turns: [[step.hang()]] });
    const turn = await (await t.client.startThread()).turn("hi");
    const controller = new AbortController();
    const reader = turn.events({ signal: controller.signal });
    const methods: string[] = [];
    let sawUserMessage!: () => void;
    const userMessage = new Promise<void>((resolve) => {
      sawUserMessage = resolve;
    });
    const read = (async () => {
      for await (const event of reader) {
        methods.push(event.method);
        if (event.method === "item/completed") sawUserMessage();
      }
    })();
    await userMessage;
    // The turn hangs from here on: the reader is waiting for an event when the signal aborts.
    controller.abort();
    await expect(read).rejects.toBeInstanceOf(CodexAbortError);
    expect(methods.at(-1)).toBe("item/completed");
    expect(await reader.next()).toEqual({ value: undefined, done: true });
    const next = turn.events();
    await turn.interrupt();
    const after: string[] = [];
    for await (const event of next) after.push(event.method);
    expect(after.at(-1)).toBe("turn/completed");
  });

  it("ends a read with CodexAbortError before the next buffered event once its signal aborted", async () => {
    await using t = connectToFake({ turns: [[step.message("abc", { chunks: 3 })]] });
    const turn = await (await t.client.startThread()).turn("hi");
    await waitForSnapshot(turn.actor, (snapshot) => snapshot.status === "done");
    const controller = new AbortController();
    const deltas: string[] = [];
    const read = (async () => {
      for await (const delta of turn.textDeltas({ signal: controller.signal })) {
        deltas.push(delta);
        controller.abort();
      }
    })();
    await expect(read).rejects.toBeInstanceOf(CodexAbortError);
    expect(deltas).toEqual(["a"]);
    const rest: string[] = [];
    for await (const delta of turn.textDeltas()) rest.push(delta);
    expect(rest).toEqual(["b", "c"]);
  });

  it("refuses a second reader at its first next(), not when it is created", async () => {
    await using t = connectToFake({ turns: [[step.pause(5), step.message("x")]] });
    const turn = await (await t.client.startThread()).turn("hi");
    const first = turn.events();
    const second = turn.steps();
    const pending = first.next();
    await expect(second.next()).rejects.toBeInstanceOf(CodexInvalidStateError);
    await pending;
    await first.return?.();
    const steps: string[] = [];
    for await (const s of turn.steps()) steps.push(s.text);
    expect(steps).toEqual(["x"]);
  });
});

describe("TurnHandle feeds its machine", () => {
  function handleWithEvents() {
    const events: string[] = [];
    const actor = createActor(turnMachine, {
      input: { threadId: "thr", turnId: "t1", inactivityTimeoutMs: 60_000 },
      inspect: (e) => {
        if (e.type === "@xstate.event" && e.actorRef === actor) events.push(e.event.type);
      },
    });
    actor.start();
    const turn = new TurnHandle({ turnEnded: () => {} }, actor, "thr", "t1");
    return { turn, actor, events };
  }
  const delta = (n: number) =>
    ({
      method: "item/agentMessage/delta",
      params: { threadId: "thr", turnId: "t1", itemId: "m", delta: String(n) },
    }) as ServerNotification;
  const started = {
    method: "turn/started",
    params: { threadId: "thr", turn: { id: "t1", items: [], status: "inProgress", error: null } },
  } as unknown as ServerNotification;

  it("restarts the inactivity clock at most once a chunk, and not within the resolution", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      const { turn, events } = handleWithEvents();
      const chunk = async () => {
        for (let i = 0; i < 5; i++) turn._receive(delta(i));
        await Promise.resolve();
      };
      // One chunk: turn/started and deltas. Entering `streaming` restarted the timer: no activity.
      turn._receive(started);
      await chunk();
      expect(events).toEqual(["xstate.init", "turn.started"]);
      // The next chunk, within the resolution: nothing for the machine either.
      vi.advanceTimersByTime(ACTIVITY_RESOLUTION_MS / 2);
      await chunk();
      expect(events).toEqual(["xstate.init", "turn.started"]);
      // Past it: one activity for the whole chunk.
      vi.advanceTimersByTime(ACTIVITY_RESOLUTION_MS);
      await chunk();
      expect(events).toEqual(["xstate.init", "turn.started", "activity"]);
      expect(turn.unread).toBe(16);
    } finally {
      vi.useRealTimers();
    }
  });
});

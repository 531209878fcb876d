import { step } from "@codex-app-server/testing";
import { CodexAbortError } from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import type { AnyActorRef, InspectionEvent } from "xstate";
import type { ConversationStep, PendingServerRequest } from "../src/index.js";
import { CodexEventsDroppedError, CodexInvalidStateError } from "../src/index.js";
import { commandStatus, connectToFake, execWithApproval, waitForSnapshot } from "./support.js";

describe("the turn's machine drives its requests", () => {
  it("steer() right after thread.turn() waits for turn/started, then reaches the server", async () => {
    await using t = connectToFake({
      turns: [
        { steps: [step.message("first"), step.waitForSteer(), step.message("steered")], startDelayMs: 20 },
      ],
    });
    const thread = await t.client.startThread();
    const turn = await thread.turn("go");
    expect(turn.state).toBe("starting");
    const steering = turn.steer("more");
    // Held in the machine's context until turn/started; nothing sent yet.
    expect(turn.actor.getSnapshot().context.queuedSteers).toHaveLength(1);
    expect(t.server.requests("turn/steer")).toEqual([]);
    expect(await steering).toEqual({ turnId: turn.turnId });
    expect(t.server.requests("turn/steer")[0]?.params).toMatchObject({ expectedTurnId: turn.turnId });
    expect((await turn.result()).finalResponse).toBe("steered");
  });

  it("cancel() right after thread.turn() holds the interrupt until the turn started: interrupted, thread ready", async () => {
    await using t = connectToFake({
      turns: [{ steps: [step.hang()], startDelayMs: 20 }, [step.message("next")]],
    });
    const thread = await t.client.startThread();
    const turn = await thread.turn("hang");
    const cancelled = await t.client.cancel(turn.continuation());
    expect(cancelled).toMatchObject({ wasInterrupted: true });
    expect(turn.state).toBe("interrupted");
    // The fake refuses an interrupt before turn/started: exactly one was sent, and it was taken.
    expect(t.server.requests("turn/interrupt")).toHaveLength(1);
    expect((await thread.run("again")).finalResponse).toBe("next");
  });
});

describe("abort means interrupt", () => {
  it("a signal aborted mid-turn interrupts the turn and leaves the thread ready", async () => {
    await using t = connectToFake({
      turns: [[step.message("working"), step.hang()], [step.message("next")]],
    });
    const thread = await t.client.startThread();
    const controller = new AbortController();
    const seen = t.client.onNotification((n) => {
      if (n.method === "item/completed" && n.params.item.type === "agentMessage") controller.abort("enough");
    });
    const error = await thread.chatOnce("hang", { signal: controller.signal }).catch((e: unknown) => e);
    seen();
    expect(error).toBeInstanceOf(CodexAbortError);
    expect(t.server.requests("turn/interrupt")).toHaveLength(1);
    const turnId = t.server.requests("turn/interrupt")[0]?.params as { turnId: string };
    expect(t.client.turn(turnId.turnId)?.state).toBe("interrupted");
    expect(thread.state).toBe("idle");
    expect((await thread.chatOnce("again")).finalText).toBe("next");
  });

  it("chat(): an abort while reading steps interrupts the turn too", async () => {
    await using t = connectToFake({ turns: [[step.reasoning("thinking"), step.hang()]] });
    const controller = new AbortController();
    const steps: ConversationStep[] = [];
    const error = await (async () => {
      for await (const s of t.client.chat("go", { signal: controller.signal })) {
        steps.push(s);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexAbortError);
    expect(steps.map((s) => s.stepType)).toEqual(["thinking"]);
    expect(t.server.requests("turn/interrupt")).toHaveLength(1);
  });

  it("a signal aborted before the call sends nothing", async () => {
    await using t = connectToFake({});
    const controller = new AbortController();
    controller.abort();
    await expect(t.client.chatOnce("hi", { signal: controller.signal })).rejects.toBeInstanceOf(
      CodexAbortError,
    );
    const chat = t.client.chat("hi", { signal: controller.signal });
    await expect(chat.next()).rejects.toBeInstanceOf(CodexAbortError);
    expect(t.server.requests("thread/start")).toEqual([]);
    expect(t.server.requests("turn/start")).toEqual([]);
  });
});

describe("approvals as the seeds have them", () => {
  it("approvalRequests() watches beside the handler: the handler answers, the outcome says what was sent", async () => {
    await using t = connectToFake(
      { turns: [execWithApproval()] },
      { onServerRequest: (r) => (r.kind === "commandExecution" ? r.accept() : undefined) },
    );
    const watcher = t.client.approvalRequests();
    const watched = watcher.next();
    const result = await t.client.chatOnce("go");
    expect(commandStatus(result)).toBe("completed");
    const { value } = await watched;
    expect(value?.kind).toBe("commandExecution");
    expect(await value?.outcome).toEqual({ state: "answered", answer: { decision: "accept" }, reason: null });
    await watcher.return?.();
  });

  it("without a handler, a watcher sees the safe default go out", async () => {
    await using t = connectToFake({ turns: [execWithApproval()] });
    const watcher = t.client.approvalRequests();
    const watched = watcher.next();
    const result = await t.client.chatOnce("go");
    expect(commandStatus(result)).toBe("declined");
    expect(await (await watched).value?.outcome).toEqual({
      state: "defaulted",
      answer: { decision: "decline" },
      reason: "nobody decided",
    });
  });

  it("manual mode: the reader answers ahead of the handler, and a second answer is refused", async () => {
    await using t = connectToFake({ turns: [execWithApproval()] }, { onServerRequest: () => undefined });
    let second: unknown;
    const reader = (async () => {
      for await (const request of t.client.approvalRequests({ manual: true })) {
        if (request.kind !== "commandExecution") continue;
        request.respond(request.accept());
        try {
          request.respond(request.decline());
        } catch (error) {
          second = error;
        }
        return;
      }
    })();
    const result = await t.client.chatOnce("go");
    await reader;
    expect(commandStatus(result)).toBe("completed");
    expect(second).toBeInstanceOf(CodexInvalidStateError);
  });

  it("manual mode: what the reader leaves unanswered when it stops gets the safe default", async () => {
    await using t = connectToFake({ turns: [execWithApproval()] });
    const requests = t.client.approvalRequests({ manual: true });
    const first = requests.next();
    const turn = await (await t.client.startThread()).turn("go");
    const pending = (await first).value as PendingServerRequest;
    expect(pending.kind).toBe("commandExecution");
    await requests.return?.();
    const result = await turn.result();
    expect(commandStatus(result)).toBe("declined");
  });

  it("a stream ended with return() before its first next() leaves nothing behind: approvals still get answers", async () => {
    await using t = connectToFake({ turns: [execWithApproval()] });
    const manual = t.client.approvalRequests({ manual: true });
    await manual.return?.();
    const notifications = t.client.notifications();
    await notifications.return?.();
    expect(await notifications.next()).toEqual({ value: undefined, done: true });
    const result = await t.client.chatOnce("go");
    expect(commandStatus(result)).toBe("declined");
  });

  it("each request is a child actor of its turn, seen by the inspector, with its end state", async () => {
    const actors: string[] = [];
    const inspect = (event: InspectionEvent) => {
      if (event.type === "@xstate.actor") actors.push((event.actorRef as AnyActorRef).id);
    };
    let release!: () => void;
    const decided = new Promise<void>((resolve) => {
      release = resolve;
    });
    await using t = connectToFake(
      { turns: [execWithApproval()] },
      {
        inspect,
        onServerRequest: async (r) => {
          await decided;
          return r.kind === "commandExecution" ? r.accept() : undefined;
        },
      },
    );
    const thread = await t.client.startThread();
    const turn = await thread.turn("go");
    const snapshot = await waitForSnapshot(turn.actor, (s) => s.context.pendingRequests.length === 1);
    const requestId = snapshot.context.pendingRequests[0] as string;
    const child = turn.actor.getSnapshot().children[`request:${requestId}`] as AnyActorRef;
    expect(child.getSnapshot().value).toBe("pending");
    expect(Object.keys(t.client.actor.getSnapshot().children)).toEqual([`thread:${thread.id}`]);
    expect(thread.actor.getSnapshot().children[`turn:${turn.turnId}`]).toBe(turn.actor);
    release();
    await turn.result();
    expect(child.getSnapshot()).toMatchObject({ value: "answered", output: { decision: "accept" } });
    expect(actors).toEqual(
      expect.arrayContaining([`thread:${thread.id}`, `turn:${turn.turnId}`, `request:${requestId}`]),
    );
  });
});

describe("in the inspector", () => {
  it("a quiet turn goes inactive through a delayed transition of its own actor", async () => {
    const delayed: string[] = [];
    await using t = connectToFake(
      { turns: [[step.hang()]] },
      {
        inactivityTimeoutMs: 50,
        inspect: (event) => {
          if (event.type === "@xstate.event" && event.event.type.startsWith("xstate.after.")) {
            delayed.push(`${(event.actorRef as AnyActorRef).id} ${event.event.type}`);
          }
        },
      },
    );
    const turn = await (await t.client.startThread()).turn("quiet");
    await waitForSnapshot(turn.actor, (s) => s.value === "inactive");
    expect(delayed).toEqual([
      expect.stringMatching(new RegExp(`^turn:${turn.turnId} xstate\\.after\\.inactivity`)),
    ]);
    await turn.interrupt();
  });

  it("a turn costs its thread three events and its own actor two, plus one activity per chunk", async () => {
    const events: string[] = [];
    await using t = connectToFake(
      { turns: [[step.message("one")], [step.message("two")]] },
      {
        inspect: (event) => {
          if (event.type !== "@xstate.event") return;
          const id = (event.actorRef as AnyActorRef).id;
          if (id.startsWith("thread:")) events.push(`thread ${event.event.type}`);
          else if (id.startsWith("turn:")) events.push(`turn ${event.event.type}`);
        },
      },
    );
    const thread = await t.client.startThread();
    await thread.run("first");
    events.length = 0;
    const turn = await thread.turn("second");
    await turn.result();
    expect(events.filter((e) => !e.endsWith(" activity"))).toEqual([
      "thread turn.requested",
      "thread turn.began",
      "turn xstate.init",
      "turn turn.started",
      "turn turn.completed",
      `thread xstate.done.actor.turn:${turn.turnId}`,
    ]);
    expect(thread.state).toBe("idle");
    // The server's view of the thread is the handle's, not a machine event.
    expect(thread.serverStatus).toEqual({ type: "idle" });
  });
});

describe("resources", () => {
  it("a released thread unsubscribes, leaves the actor tree, and resumes on its next turn", async () => {
    await using t = connectToFake({ turns: [[step.message("one")], [step.message("two")]] });
    const thread = await t.client.startThread();
    expect((await thread.run("first")).finalResponse).toBe("one");
    expect(await thread.release()).toEqual({ status: "unsubscribed" });
    expect(thread.released).toBe(true);
    expect(t.client.knownThreads.has(thread.id)).toBe(false);
    expect(t.client.actor.getSnapshot().children).toEqual({});
    expect(t.server.requests("thread/unsubscribe")[0]?.params).toEqual({ threadId: thread.id });
    expect((await thread.run("second")).finalResponse).toBe("two");
    expect(t.server.requests("thread/resume")).toHaveLength(1);
    expect(thread.released).toBe(false);
    expect(thread.state).toBe("idle");
  });

  it("a running thread cannot be released", async () => {
    await using t = connectToFake({ turns: [[step.hang()]] });
    const thread = await t.client.startThread();
    const turn = await thread.turn("hang");
    await expect(thread.release()).rejects.toBeInstanceOf(CodexInvalidStateError);
    await turn.interrupt();
  });

  it("idle threads beyond maxIdleThreads are released, least recently used first", async () => {
    await using t = connectToFake({}, { maxIdleThreads: 2 });
    const a = await t.client.startThread();
    const b = await t.client.startThread();
    await a.run("use a again");
    const c = await t.client.startThread();
    await t.server.waitForRequest("thread/unsubscribe");
    expect(t.server.requests("thread/unsubscribe").map((r) => r.params)).toEqual([{ threadId: b.id }]);
    expect([...t.client.knownThreads.keys()].sort()).toEqual([a.id, c.id].sort());
    expect(b.released).toBe(true);
  });

  it("an unread turn keeps its items and result but drops deltas past maxUnreadEvents, and says so", async () => {
    const text = "x".repeat(200);
    await using t = connectToFake(
      { turns: [[step.message(text, { chunks: 100 }), step.message("done")]] },
      { maxUnreadEvents: 20 },
    );
    const thread = await t.client.startThread();
    const turn = await thread.turn("flood");
    await waitForSnapshot(turn.actor, (s) => s.status === "done");
    expect(turn.droppedDeltas).toBeGreaterThan(50);
    expect(turn.unread).toBeLessThanOrEqual(40);
    const result = await turn.result();
    expect(
      result.items.filter((i) => i.type === "agentMessage").map((i) => (i as { text: string }).text),
    ).toEqual([text, "done"]);
    expect(result.droppedDeltas).toBe(turn.droppedDeltas);
    expect(t.errors.filter((e) => e instanceof CodexEventsDroppedError)).toHaveLength(1);
  });
});

import type { JsonRpcMessage } from "@codex-app-server/protocol";
import { step } from "@codex-app-server/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CodexInvalidStateError, CodexTimeoutError } from "../src/index.js";
import { connectToFake, waitForSnapshot } from "./support.js";

afterEach(() => {
  vi.useRealTimers();
});

/** True once the fake has sent the `turn/completed` of `turnId`. */
function completedSent(sent: JsonRpcMessage[], turnId: string): boolean {
  return sent.some(
    (m) =>
      "method" in m &&
      m.method === "turn/completed" &&
      (m.params as { turn: { id: string } }).turn.id === turnId,
  );
}

describe("compactions and reviews are turns", () => {
  it("thread.compact() gives the compaction's TurnHandle; its result ends with the contextCompaction item", async () => {
    await using t = connectToFake({ turns: [[step.message("hi")]] });
    const thread = await t.client.startThread();
    await thread.run("hello");
    const compaction = await thread.compact();
    expect(compaction.kind).toBe("compaction");
    expect(compaction.threadId).toBe(thread.id);
    expect(t.client.turn(compaction.turnId)).toBe(compaction);
    const result = await compaction.result();
    expect(result.status).toBe("completed");
    expect(result.items.map((i) => i.type)).toEqual(["contextCompaction"]);
    expect(result.finalResponse).toBeNull();
    expect(thread.state).toBe("idle");
    expect(t.errors).toEqual([]);
  });

  it("run() while a compaction runs waits for it, instead of a turn/start the server refuses", async () => {
    await using t = connectToFake({ compaction: [step.hang()], turns: [[step.message("after it")]] });
    const thread = await t.client.startThread();
    const compaction = await thread.compact();
    expect(thread.actor.getSnapshot().context.activeTurnKind).toBe("compaction");
    const run = thread.run("next");
    const turnStartAfterCompaction = t.server
      .waitForRequest("turn/start")
      .then(() => completedSent(t.server.sent, compaction.turnId));
    expect((await compaction.interrupt()).status).toBe("interrupted");
    expect((await run).finalResponse).toBe("after it");
    expect(await turnStartAfterCompaction).toBe(true);
  });

  it("a compaction cannot be steered, and is interrupted through its handle", async () => {
    await using t = connectToFake({ compaction: [step.hang()] });
    const thread = await t.client.startThread();
    const compaction = await t.client.compactThread(thread.id);
    await expect(compaction.steer("more")).rejects.toBeInstanceOf(CodexInvalidStateError);
    await expect(t.client.steerTurn(thread.id, compaction.turnId, "more")).rejects.toThrow(
      /a compaction cannot be steered/,
    );
    const result = await t.client.interruptTurn(compaction.turnId);
    expect(result?.status).toBe("interrupted");
    expect(t.server.requests("turn/steer")).toEqual([]);
    expect(t.server.requests("turn/interrupt")[0]?.params).toEqual({
      threadId: thread.id,
      turnId: compaction.turnId,
    });
  });

  it("startReview gives the review's TurnHandle; its finalResponse is the review", async () => {
    await using t = connectToFake({ turns: [[step.message("No issues found.")]] });
    const thread = await t.client.startThread();
    const review = await thread.startReview({ type: "custom", instructions: "review the change" });
    expect(review.kind).toBe("review");
    const result = await review.result();
    expect(result.status).toBe("completed");
    expect(result.finalResponse).toBe("No issues found.");
    expect(result.items.map((i) => i.type)).toEqual([
      "enteredReviewMode",
      "userMessage",
      "exitedReviewMode",
      "agentMessage",
    ]);
    expect(t.server.requests("review/start")[0]?.params).toEqual({
      threadId: thread.id,
      target: { type: "custom", instructions: "review the change" },
    });
    expect(thread.state).toBe("idle");
  });

  it("a review's interrupt names the inner turn its turn/started named; chatOnce on the thread waits for the review", async () => {
    await using t = connectToFake({ turns: [[step.hang()], [step.message("then this")]] });
    const thread = await t.client.startThread();
    const review = await t.client.startReview({
      threadId: thread.id,
      target: { type: "uncommittedChanges" },
    });
    await waitForSnapshot(review.actor, (s) => s.context.started);
    const inner = review.actor.getSnapshot().context.activeTurnId;
    expect(inner).not.toBe(review.turnId);
    await expect(review.steer("x")).rejects.toThrow(/a review cannot be steered/);
    const chat = t.client.chatOnce("next", { threadId: thread.id });
    const turnStartAfterReview = t.server
      .waitForRequest("turn/start")
      .then(() => completedSent(t.server.sent, review.turnId));
    expect((await review.interrupt()).status).toBe("interrupted");
    expect(t.server.requests("turn/interrupt").map((r) => r.params)).toEqual([
      { threadId: thread.id, turnId: inner },
    ]);
    expect((await chat).finalText).toBe("then this");
    expect(await turnStartAfterReview).toBe(true);
  });

  it("is refused while a turn runs (the server would interrupt the turn); nothing is sent", async () => {
    await using t = connectToFake({ turns: [[step.hang()]] });
    const thread = await t.client.startThread();
    const turn = await thread.turn("busy");
    await expect(thread.compact()).rejects.toBeInstanceOf(CodexInvalidStateError);
    await expect(thread.startReview({ type: "uncommittedChanges" })).rejects.toThrow(
      /does not accept a review/,
    );
    expect(t.server.requests("thread/compact/start")).toEqual([]);
    expect(t.server.requests("review/start")).toEqual([]);
    await turn.interrupt();
  });

  it("a compaction whose turn never starts times out with the request timeout; the thread is free again", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    await using t = connectToFake(
      { handlers: { "thread/compact/start": {} }, turns: [[step.message("still fine")]] },
      { requestTimeoutMs: 1_000 },
    );
    const thread = await t.client.startThread();
    const compacting = thread.compact().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await compacting;
    expect(error).toBeInstanceOf(CodexTimeoutError);
    expect(error).toMatchObject({ method: "thread/compact/start", timeoutMs: 1_000 });
    expect(thread.state).toBe("idle");
    expect((await thread.run("next")).finalResponse).toBe("still fine");
  });

  it("compactThread on a thread this client has not opened resumes it first", async () => {
    await using t = connectToFake();
    const { thread } = await t.client.request("thread/start", {});
    expect(t.client.thread(thread.id)).toBeUndefined();
    const compaction = await t.client.compactThread(thread.id);
    await compaction.result();
    expect(t.server.requests().map((r) => r.method)).toEqual([
      "initialize",
      "thread/start",
      "thread/resume",
      "thread/compact/start",
    ]);
  });
});

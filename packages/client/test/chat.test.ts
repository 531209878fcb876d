import { step } from "@codex-app-server/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChatContinuation, ConversationStep, ServerNotification } from "../src/index.js";
import { CodexTurnFailedError, CodexTurnInactiveError, CodexUsageError } from "../src/index.js";
import { connectToFake, waitForSnapshot } from "./support.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("chatOnce", () => {
  it("starts a thread, runs a turn and returns the final text, items and usage", async () => {
    await using t = connectToFake({
      turns: [[step.reasoning("thinking"), step.message("Hello there", { chunks: 3 }), step.usage(12, 7)]],
    });
    const result = await t.client.chatOnce("hi");
    expect(result).toMatchObject({
      finalText: "Hello there",
      status: "completed",
      completionSource: "item_completed",
      usage: { total: { inputTokens: 12, outputTokens: 7 } },
    });
    expect(result.items.map((i) => i.type)).toEqual(["userMessage", "reasoning", "agentMessage"]);
    expect(result.assistantItemId).toBe(result.items[2]?.id);
    expect(result.rawEvents).toBeUndefined();
    expect(t.server.requests().map((r) => r.method)).toEqual(["initialize", "thread/start", "turn/start"]);
    expect(t.server.received.some((m) => "method" in m && m.method === "initialized" && !("id" in m))).toBe(
      true,
    );
    expect(t.errors).toEqual([]);
  });

  it("keeps raw events only when asked", async () => {
    await using t = connectToFake({ turns: [[step.message("one two", { chunks: 2 })]] });
    const result = await t.client.chatOnce("hi", { includeRawEvents: true });
    const methods = result.rawEvents?.map((e) => e.method);
    expect(methods).toContain("turn/started");
    expect(methods?.filter((m) => m === "item/agentMessage/delta")).toHaveLength(2);
    expect(methods?.at(-1)).toBe("turn/completed");
  });

  it("sends thread config and turn overrides, omitting unset fields and keeping nulls", async () => {
    await using t = connectToFake();
    await t.client.chatOnce("hi", {
      threadConfig: { model: "m1", cwd: null },
      turnOverrides: { effort: "low", summary: undefined },
    });
    const threadStart = t.server.requests("thread/start")[0];
    expect(threadStart?.params).toEqual({ model: "m1", cwd: null });
    const turnStart = t.server.requests("turn/start")[0]?.params as Record<string, unknown>;
    expect(turnStart.effort).toBe("low");
    expect("summary" in turnStart).toBe(false);
    expect(turnStart.input).toEqual([{ type: "text", text: "hi", text_elements: [] }]);
  });

  it("continues an existing thread by id", async () => {
    await using t = connectToFake();
    const first = await t.client.chatOnce("one");
    const second = await t.client.chatOnce("two", { threadId: first.threadId });
    expect(second.threadId).toBe(first.threadId);
    expect(t.server.requests("thread/start")).toHaveLength(1);
    expect(t.server.requests("thread/resume")).toHaveLength(0);
  });

  it("falls back to thread/read when no assistant message completed live", async () => {
    await using t = connectToFake({ turns: [[step.reasoning("only thinking")]] });
    t.server.on(
      "thread/read",
      (params) =>
        ({
          thread: {
            ...(
              t.server.sent.find(
                (m) =>
                  "result" in m && (m.result as { thread?: { id: string } }).thread?.id === params.threadId,
              ) as { result: { thread: object } }
            ).result.thread,
            turns: [
              {
                id: (
                  t.server.sent.find((m) => "result" in m && (m.result as { turn?: unknown }).turn) as {
                    result: { turn: { id: string } };
                  }
                ).result.turn.id,
                rootTurnId: null,
                itemsView: "full",
                status: "completed",
                error: null,
                startedAt: null,
                completedAt: null,
                durationMs: null,
                items: [{ type: "agentMessage", id: "msg_late", text: "from history", phase: null }],
              },
            ],
          },
        }) as never,
    );
    const result = await t.client.chatOnce("hi");
    expect(result.completionSource).toBe("thread_read_fallback");
    expect(result.finalText).toBe("from history");
    expect(result.assistantItemId).toBe("msg_late");
  });

  it("throws CodexTurnFailedError with the server's error when the turn fails", async () => {
    await using t = connectToFake({ turns: [[step.fail("model exploded", "internalServerError")]] });
    const error = await t.client.chatOnce("hi").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexTurnFailedError);
    expect((error as CodexTurnFailedError).turnError?.message).toBe("model exploded");
  });

  it("refuses a continuation mixed with new-turn options", async () => {
    await using t = connectToFake();
    const continuation: ChatContinuation = { threadId: "t", turnId: "u", cursor: 0, mode: "once" };
    await expect(t.client.chatOnce(continuation, { threadId: "x" })).rejects.toBeInstanceOf(CodexUsageError);
    await expect(t.client.chatOnce(continuation)).rejects.toThrow(/unknown turn u/);
  });
});

describe("chat", () => {
  it("streams completed non-delta steps with their kinds", async () => {
    await using t = connectToFake({
      turns: [
        [
          step.reasoning("plan it", { chunks: 2 }),
          step.exec("ls -la", { output: "a.txt\n" }),
          step.fileChange([{ path: "a.txt", kind: "add" }]),
          step.message("Done.", { chunks: 2 }),
        ],
      ],
    });
    const steps: ConversationStep[] = [];
    for await (const s of t.client.chat("do it")) steps.push(s);
    expect(steps.map((s) => [s.stepType, s.itemType])).toEqual([
      ["thinking", "reasoning"],
      ["exec", "commandExecution"],
      ["file", "fileChange"],
      ["codex", "agentMessage"],
    ]);
    expect(steps[0]?.text).toBe("plan it");
    expect(steps[1]?.text).toBe("ls -la\na.txt\n");
    expect(steps[2]?.text).toBe("add a.txt");
    expect(steps[3]?.text).toBe("Done.");
    const turnId = steps[0]?.turnId;
    expect(steps.every((s) => s.turnId === turnId && s.threadId === steps[0]?.threadId)).toBe(true);
  });

  it("throws CodexTurnFailedError after the steps of a failed turn", async () => {
    await using t = connectToFake({ turns: [[step.message("partial"), step.fail("boom")]] });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const s of t.client.chat("x")) seen.push(s.text);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["partial"]);
    expect(error).toBeInstanceOf(CodexTurnFailedError);
  });
});

describe("inactivity and continuation", () => {
  it("goes inactive when the turn is quiet, and a continuation resumes it with nothing lost or repeated", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    await using t = connectToFake(
      {
        turns: [
          [step.message("first", { chunks: 2 }), step.pause(5_000), step.message("second", { chunks: 2 })],
        ],
      },
      { inactivityTimeoutMs: 1_000 },
    );
    const firstCall = t.client.chatOnce("go", { includeRawEvents: true }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await firstCall;
    expect(error).toBeInstanceOf(CodexTurnInactiveError);
    const continuation = (error as CodexTurnInactiveError).continuation;
    expect(continuation.mode).toBe("once");
    const turn = t.client.turn(continuation.turnId);
    expect(turn?.state).toBe("inactive");
    expect(turn?.cursor).toBe(continuation.cursor);

    await vi.advanceTimersByTimeAsync(5_000);
    expect(turn?.state).toBe("completed");
    const result = await t.client.chatOnce(continuation, { includeRawEvents: true });
    expect(result.finalText).toBe("second");
    const resumed = result.rawEvents ?? [];
    expect(resumed[0]?.method).not.toBe("turn/started");
    const deltas = resumed
      .filter((e) => e.method === "item/agentMessage/delta")
      .map((e) => (e as Extract<ServerNotification, { method: "item/agentMessage/delta" }>).params.delta);
    expect(deltas.join("")).toBe("second");
  });

  it("takes the continuation as options.continuation too, the Python SDKs' form, on the client and the thread", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    await using t = connectToFake(
      {
        turns: [
          [step.message("first"), step.pause(5_000), step.message("second")],
          [step.reasoning("r"), step.pause(5_000), step.message("third")],
        ],
      },
      { inactivityTimeoutMs: 1_000 },
    );
    const firstCall = t.client.chatOnce("go").catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    const { continuation } = (await firstCall) as CodexTurnInactiveError;
    const resumed = t.client.chatOnce(undefined, { continuation, inactivityTimeoutMs: null });
    await vi.advanceTimersByTimeAsync(5_000);
    const result = await resumed;
    expect([result.turnId, result.finalText]).toEqual([continuation.turnId, "second"]);
    expect(t.server.requests("turn/start")).toHaveLength(1);

    const thread = t.client.thread(continuation.threadId);
    const steps: string[] = [];
    const read = async (
      input: string | undefined,
      options: { continuation?: ChatContinuation; inactivityTimeoutMs?: null },
    ) => {
      for await (const s of thread?.chat(input, options) ?? []) steps.push(s.stepType);
    };
    const streaming = read("again", {}).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    const quiet = (await streaming) as CodexTurnInactiveError;
    expect(quiet).toBeInstanceOf(CodexTurnInactiveError);
    const other: ChatContinuation = { ...quiet.continuation, threadId: "another-thread" };
    await expect(thread?.chatOnce(undefined, { continuation: other })).rejects.toThrow(
      /a turn of thread another-thread, not of this thread/,
    );
    const rest = read(undefined, { continuation: quiet.continuation, inactivityTimeoutMs: null });
    await vi.advanceTimersByTimeAsync(5_000);
    await rest;
    expect(steps).toEqual(["thinking", "codex"]);
    expect(t.server.requests("turn/start")).toHaveLength(2);
  });

  it("refuses input with a continuation, two different continuations, nothing at all, or a continuation that is not one", async () => {
    await using t = connectToFake();
    const continuation: ChatContinuation = { threadId: "t", turnId: "u", cursor: 0, mode: "once" };
    const refusals: Array<[Parameters<typeof t.client.chatOnce>, RegExp]> = [
      [["hello", { continuation }], /input and a continuation/],
      [[{ ...continuation, cursor: 1 }, { continuation }], /two different continuations/],
      [[undefined, {}], /nothing to send/],
      [[undefined, { continuation: { turnId: "u" } as never }], /is not a continuation/],
    ];
    for (const [args, message] of refusals) {
      await expect(t.client.chatOnce(...args)).rejects.toThrow(message);
      await expect(t.client.chatOnce(...args)).rejects.toBeInstanceOf(CodexUsageError);
      const chat = t.client.chat(...args);
      await expect(chat.next()).rejects.toThrow(message);
    }
    // The same continuation twice is no conflict: it is asked for once (this client never ran turn u).
    await expect(t.client.chatOnce(continuation, { continuation })).rejects.toThrow(/unknown turn u/);
    expect(t.server.requests()).toEqual([]);
  });

  it("chat throws an inactive error with a stream continuation and resumes through it", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    await using t = connectToFake(
      { turns: [[step.reasoning("a"), step.pause(3_000), step.message("b")]] },
      { inactivityTimeoutMs: 500 },
    );
    const seen: string[] = [];
    const consume = async (input: Parameters<typeof t.client.chat>[0], options = {}) => {
      for await (const s of t.client.chat(input, options)) seen.push(s.stepType);
    };
    const first = consume("x").catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(500);
    const error = (await first) as CodexTurnInactiveError;
    expect(error).toBeInstanceOf(CodexTurnInactiveError);
    expect(error.continuation.mode).toBe("stream");
    expect(seen).toEqual(["thinking"]);
    const second = consume(error.continuation, { inactivityTimeoutMs: 10_000 });
    await vi.advanceTimersByTimeAsync(3_000);
    await second;
    expect(seen).toEqual(["thinking", "codex"]);
  });

  it("a per-call inactivity timeout overrides the client's, and null waits for ever", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    await using t = connectToFake(
      { turns: [[step.pause(10_000), step.message("late")]] },
      { inactivityTimeoutMs: 100 },
    );
    const call = t.client.chatOnce("x", { inactivityTimeoutMs: null });
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(call).resolves.toMatchObject({ finalText: "late" });
  });

  it("cancel interrupts a quiet turn, returns what was unread, and the thread takes a new turn", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    await using t = connectToFake(
      { turns: [[step.message("before"), step.hang()], [step.message("next")]] },
      { inactivityTimeoutMs: 200 },
    );
    const error = (
      await Promise.all([t.client.chatOnce("x").catch((e: unknown) => e), vi.advanceTimersByTimeAsync(200)])
    )[0] as CodexTurnInactiveError;
    expect(error).toBeInstanceOf(CodexTurnInactiveError);
    vi.useRealTimers();
    const result = await t.client.cancel(error.continuation);
    expect(result.wasInterrupted).toBe(true);
    expect(result.wasCompleted).toBe(false);
    expect(result.rawEvents.at(-1)?.method).toBe("turn/completed");
    const turn = t.client.turn(error.continuation.turnId);
    expect(turn?.state).toBe("interrupted");
    const thread = t.client.thread(error.continuation.threadId);
    expect(thread?.state).toBe("idle");
    const next = await t.client.chatOnce("again", { threadId: error.continuation.threadId });
    expect(next.finalText).toBe("next");
  });

  it("cancel of a turn that already finished returns its unread data without interrupting", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    await using t = connectToFake(
      { turns: [[step.message("a"), step.pause(1_000), step.message("b")]] },
      { inactivityTimeoutMs: 100 },
    );
    const error = (
      await Promise.all([t.client.chatOnce("x").catch((e: unknown) => e), vi.advanceTimersByTimeAsync(100)])
    )[0] as CodexTurnInactiveError;
    await vi.advanceTimersByTimeAsync(1_000);
    const turn = t.client.turn(error.continuation.turnId);
    await waitForSnapshot(turn!.actor, (s) => s.status === "done");
    const result = await t.client.cancel(error.continuation);
    expect(result).toMatchObject({ wasCompleted: true, wasInterrupted: false });
    expect(result.steps.map((s) => s.text)).toEqual(["b"]);
    expect(t.server.requests("turn/interrupt")).toHaveLength(0);
  });
});

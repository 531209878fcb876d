import { loadSchemas } from "@codex-app-server/protocol";
import { step } from "@codex-app-server/testing";
import { createBrowserInspector } from "@statelyai/inspect";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChatContinuation, ChatResult } from "../src/index.js";
import { CodexTurnInactiveError, retryOnOverload } from "../src/index.js";
import { connectToFake } from "./support.js";

afterEach(() => {
  vi.useRealTimers();
});

/** The README's examples, run against the fake server so they stay true. */
describe("README examples", () => {
  it("coming from the Python SDKs", async () => {
    // Modules loaded on demand (the fake's validators, the client's schema tables) load before the
    // clock is faked: the module runner must not wait on a faked timer.
    await loadSchemas();
    await import("@codex-app-server/protocol/schemas");
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    await using t = connectToFake({
      turns: [
        [
          step.exec("npm test", { approval: {} }),
          step.message("working"),
          step.pause(200_000),
          step.message("Done."),
        ],
        [step.message("Carried on.")],
      ],
      model: "gpt-5.4",
      handlers: {
        "config/value/write": { status: "ok", version: "v1", filePath: "/home/me/.codex/config.toml" },
      },
    });
    const client = t.client;
    client.setServerRequestHandler((request) =>
      request.kind === "commandExecution" && request.execpolicyAmendment
        ? request.acceptWithExecpolicyAmendment()
        : undefined,
    );
    const logged: unknown[] = [];
    const console = { log: (...values: unknown[]) => logged.push(values) };
    const example = (async () => {
      let continuation: ChatContinuation | undefined;
      let result: ChatResult | undefined;
      while (result === undefined) {
        try {
          result = continuation
            ? await client.chatOnce(undefined, { continuation })
            : await client.chatOnce("Do a longer task", { inactivityTimeoutMs: 120_000 });
        } catch (error) {
          if (!(error instanceof CodexTurnInactiveError)) throw error;
          continuation = error.continuation;
        }
      }
      const thread = client.thread(result.threadId);
      console.log(result.finalText, thread?.defaults.model);
      const compaction = await thread?.compact();
      await thread?.run("Carry on");
      const models = await retryOnOverload(() => client.request("model/list"));
      await client.writeConfigValue({ keyPath: "model", value: models.data[0]?.id ?? "gpt-5.4" });
      return { compaction, thread };
    })();
    await vi.advanceTimersByTimeAsync(120_000);
    await vi.advanceTimersByTimeAsync(80_000);
    const { compaction, thread } = await example;
    expect(logged).toEqual([["Done.", "gpt-5.4"]]);
    expect(compaction?.kind).toBe("compaction");
    expect((await compaction?.result())?.status).toBe("completed");
    expect(t.server.requests("turn/start")).toHaveLength(2);
    expect(t.server.requests("model/list")[0]?.params).toEqual({});
    expect(t.server.requests("config/value/write")[0]?.params).toEqual({
      keyPath: "model",
      value: "gpt-5.4",
      mergeStrategy: "upsert",
    });
    const answers = t.server.received
      .filter((m) => "result" in m)
      .map((m) => (m as { result: unknown }).result);
    expect(answers).toEqual([
      { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["npm", "test"] } } },
    ]);
    expect(thread?.state).toBe("idle");
  });

  it("coming from the Python SDKs: the table's rows", async () => {
    await using t = connectToFake(
      {
        turns: [
          [step.exec("npm test", { approval: {} }), step.waitForSteer(), step.message("steered")],
          [step.hang()],
          [step.message("Looks right.")],
          [step.message("streamed", { chunks: 2 })],
        ],
        handlers: {
          "config/value/write": { status: "ok", version: "v1", filePath: "/home/me/.codex/config.toml" },
        },
      },
      { experimentalApi: true },
    );
    t.server.on("thread/settings/update" as never, {} as never);
    const client = t.client;
    // set_approval_handler(handler), approve_approval(request, for_session=True)
    client.setServerRequestHandler((request) =>
      request.kind === "commandExecution" ? request.acceptForSession() : undefined,
    );
    const thread = await client.startThread();
    const turn = await thread.turn("first");
    // steer_turn(thread_id=, expected_turn_id=, input_items=)
    expect(await client.steerTurn(thread.id, turn.turnId, "steer it")).toEqual({ turnId: turn.turnId });
    expect((await turn.result()).finalResponse).toBe("steered");
    client.setServerRequestHandler(undefined);
    // interrupt_turn(turn_id)
    const hanging = await thread.turn("second");
    expect((await client.interruptTurn(hanging.turnId))?.status).toBe("interrupted");
    // read_thread(thread_id): turns included
    await client.readThread(thread.id);
    expect(t.server.requests("thread/read")[0]?.params).toEqual({ threadId: thread.id, includeTurns: true });
    // write_config_value(key_path=, value=)
    await client.writeConfigValue({ keyPath: "model", value: "gpt-5.4" });
    // request("model/list")
    expect(await client.request("model/list")).toEqual({ data: [], nextCursor: null });
    // ThreadHandle.defaults, update_defaults(...)
    await thread.updateDefaults({ model: "gpt-5.4" });
    expect(thread.defaults.model).toBe("gpt-5.4");
    // thread.compact(), start_review(target)
    expect((await (await thread.compact()).result()).status).toBe("completed");
    const review = await thread.startReview({ type: "uncommittedChanges" });
    expect((await review.result()).finalResponse).toBe("Looks right.");
    // Thread.turn(input), TurnHandle.stream(), TurnHandle.run()
    const streamed = await thread.turn("stream it");
    const methods: string[] = [];
    for await (const event of streamed.events()) methods.push(event.method);
    expect(methods).toContain("item/agentMessage/delta");
    expect((await streamed.result()).finalResponse).toBe("streamed");
    // approval_requests(): watch-only
    const watcher = client.approvalRequests();
    await watcher.return?.();
    // rollback_thread(thread_id, num_turns=)
    t.server.on("thread/revert", { thread: thread.info });
    await client.revertThread(thread.id, turn.turnId);
    expect(t.server.requests("thread/revert")[0]?.params).toEqual({
      threadId: thread.id,
      beforeTurnId: turn.turnId,
    });
    const answers = t.server.received
      .filter((m) => "result" in m)
      .map((m) => (m as { result: unknown }).result);
    expect(answers).toEqual([{ decision: "acceptForSession" }]);
  });

  it("conversations", async () => {
    await using t = connectToFake({
      turns: [[step.message("Hello.")], [step.reasoning("look"), step.message("Fixed.")]],
    });
    const client = t.client;
    const result = await client.chatOnce("What is in this folder?", {
      threadConfig: { cwd: "/my/project", approvalPolicy: "on-request" },
      turnOverrides: { effort: "low" },
    });
    expect([result.finalText, result.status, result.completionSource]).toEqual([
      "Hello.",
      "completed",
      "item_completed",
    ]);
    const kinds: string[] = [];
    for await (const s of client.chat("Fix the failing test", { threadId: result.threadId }))
      kinds.push(s.stepType);
    expect(kinds).toEqual(["thinking", "codex"]);
  });

  it("continue or cancel", async () => {
    await using t = connectToFake({ turns: [[step.message("working"), step.hang()]] });
    const client = t.client;
    const tooLong = () => true;
    let input: Parameters<typeof client.chatOnce>[0] = "Do a long task";
    let cancelledSteps: unknown[] | undefined;
    for (;;) {
      try {
        await client.chatOnce(input, { inactivityTimeoutMs: 50 });
        break;
      } catch (error) {
        if (!(error instanceof CodexTurnInactiveError)) throw error;
        if (tooLong()) {
          const cancelled = await client.cancel(error.continuation);
          cancelledSteps = cancelled.steps;
          expect(cancelled.wasInterrupted).toBe(true);
          break;
        }
        input = error.continuation;
      }
    }
    expect(cancelledSteps).toEqual([]);
  });

  it("threads and turn handles", async () => {
    await using t = connectToFake({
      turns: [[step.message("Summary.")], [step.message("Haiku", { chunks: 2 })]],
    });
    const thread = await t.client.startThread({ model: "gpt-5.4" });
    const { finalResponse } = await thread.run("Summarise README.md");
    expect(finalResponse).toBe("Summary.");
    const turn = await thread.turn("Write a haiku about state machines");
    let text = "";
    for await (const delta of turn.textDeltas()) text += delta;
    const final = await turn.result();
    expect([text, final.status]).toEqual(["Haiku", "completed"]);
  });

  it("approvals", async () => {
    await using t = connectToFake(
      { turns: [[step.exec("ls -la", { approval: {} }), step.exec("rm -rf /", { approval: {} })]] },
      {
        onServerRequest: (request) => {
          if (request.kind === "commandExecution" && request.params.command?.startsWith("ls"))
            return request.accept();
          return undefined;
        },
      },
    );
    const result = await t.client.chatOnce("go");
    const statuses = result.items
      .filter((i) => i.type === "commandExecution")
      .map((i) => (i as { status?: string }).status);
    expect(statuses).toEqual(["completed", "declined"]);
  });

  it("the inspector's inspect function plugs into the client", () => {
    const inspector = createBrowserInspector({ autoStart: false });
    const t = connectToFake({}, { inspect: inspector.inspect });
    expect(t.client.state).toBe("idle");
    return t[Symbol.asyncDispose]();
  });
});

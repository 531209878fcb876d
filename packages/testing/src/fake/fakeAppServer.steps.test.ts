import { CodexInvalidRequestError, CodexProtocolViolationError } from "@codex-app-server/transport";
import { afterEach, describe, expect, it, vi } from "vitest";
import { connectFake } from "../../test/support/fakeConnection.js";
import type { RawClient, Received } from "../../test/support/rawClient.js";
import { FakeServerInvalidMessageError } from "./errors.js";
import { step } from "./turnScript.js";

const START = [
  "thread/status/changed(active)",
  "turn/started",
  "item/started(userMessage)",
  "item/completed(userMessage)",
];
const END = [
  "thread/tokenUsage/updated",
  "account/rateLimits/updated",
  "thread/status/changed(idle)",
  "turn/completed(completed)",
];

/** A command that needs approval, up to the request's resolution. */
const COMMAND_APPROVAL = [
  "thread/status/changed(active:waitingOnApproval)",
  "item/started(commandExecution:inProgress)",
  "REQ item/commandExecution/requestApproval",
  "serverRequest/resolved",
];

async function answerCommandApproval(client: RawClient, decision: string): Promise<void> {
  (await client.takeServerRequest("item/commandExecution/requestApproval")).respond({ decision });
}

function paramsOf(entries: Received[], method: string): Array<Record<string, unknown>> {
  return entries
    .filter((entry) => entry.method === method && entry.id === undefined)
    .map((entry) => entry.params);
}

function itemsOf(
  entries: Received[],
  method: "item/started" | "item/completed",
): Array<Record<string, unknown>> {
  return paramsOf(entries, method).map((params) => params.item as Record<string, unknown>);
}

afterEach(() => {
  vi.useRealTimers();
});

describe("FakeAppServer steps", () => {
  it("message: item/started, one delta per chunk, item/completed; turn.items holds the message", async () => {
    await using t = await connectFake({
      turns: [[step.message("Hello there", { chunks: 3, phase: "final_answer" })]],
    });
    const run = await t.client.runTurn(await t.client.startThread(), "hi");

    expect(run.sequence).toEqual([
      ...START,
      "item/started(agentMessage)",
      "item/agentMessage/delta",
      "item/agentMessage/delta",
      "item/agentMessage/delta",
      "item/completed(agentMessage)",
      ...END,
    ]);
    const deltas = paramsOf(run.entries, "item/agentMessage/delta");
    expect(deltas.map((params) => params.delta)).toEqual(["Hel", "lo t", "here"]);
    const [started, completed] = [
      itemsOf(run.entries, "item/started")[1],
      itemsOf(run.entries, "item/completed")[1],
    ];
    expect(started).toMatchObject({
      type: "agentMessage",
      text: "",
      phase: "final_answer",
      completedAtMs: null,
    });
    expect(completed).toMatchObject({ id: started?.id, text: "Hello there", phase: "final_answer" });
    expect(deltas.every((params) => params.itemId === started?.id && params.turnId === run.turnId)).toBe(
      true,
    );
    expect(run.turn).toMatchObject({
      id: run.turnId,
      status: "completed",
      itemsView: "summary",
      error: null,
    });
    expect(run.turn.items).toEqual([completed]);
    expect(paramsOf(run.entries, "item/completed")[0]?.item).toMatchObject({
      type: "userMessage",
      content: [{ type: "text", text: "hi", text_elements: [] }],
    });
    expect(t.client.errors).toEqual([]);
    expect(t.server.errors).toEqual([]);
  });

  it("message with burst: every delta arrives, in order, and the turn ends normally", async () => {
    const text = "abcdefghij".repeat(500);
    await using t = await connectFake({
      turns: [[step.message(text, { chunks: text.length, burst: true })]],
    });
    const run = await t.client.runTurn(await t.client.startThread(), "go");

    const deltas = paramsOf(run.entries, "item/agentMessage/delta").map((params) => params.delta);
    expect(deltas).toHaveLength(5000);
    expect(deltas.join("")).toBe(text);
    expect(run.sequence.slice(-4)).toEqual(END);
    expect(t.server.sent.filter((m) => "method" in m && m.method === "item/agentMessage/delta")).toHaveLength(
      5000,
    );
  });

  it("reasoning: summary deltas with summaryIndex 0, then the reasoning item", async () => {
    await using t = await connectFake({
      turns: [[step.reasoning("thinking...", { chunks: 2 }), step.message("Done")]],
    });
    const run = await t.client.runTurn(await t.client.startThread(), "think");

    expect(run.sequence).toEqual([
      ...START,
      "item/started(reasoning)",
      "item/reasoning/summaryTextDelta",
      "item/reasoning/summaryTextDelta",
      "item/completed(reasoning)",
      "item/started(agentMessage)",
      "item/agentMessage/delta",
      "item/completed(agentMessage)",
      ...END,
    ]);
    expect(paramsOf(run.entries, "item/reasoning/summaryTextDelta")).toEqual([
      expect.objectContaining({ delta: "think", summaryIndex: 0 }),
      expect.objectContaining({ delta: "ing...", summaryIndex: 0 }),
    ]);
    expect(itemsOf(run.entries, "item/completed")[1]).toMatchObject({
      type: "reasoning",
      summary: ["thinking..."],
    });
  });

  it("exec without approval: output deltas per chunk, then the completed (or failed) command", async () => {
    await using t = await connectFake({
      turns: [[step.exec("ls", { output: ["a\n", "b\n"] }), step.exec("false", { exitCode: 1 })]],
    });
    const run = await t.client.runTurn(await t.client.startThread(), "list");

    expect(run.sequence).toEqual([
      ...START,
      "item/started(commandExecution:inProgress)",
      "item/commandExecution/outputDelta",
      "item/commandExecution/outputDelta",
      "item/completed(commandExecution:completed)",
      "item/started(commandExecution:inProgress)",
      "item/completed(commandExecution:failed)",
      ...END,
    ]);
    expect(itemsOf(run.entries, "item/completed").slice(1)).toEqual([
      expect.objectContaining({ command: "ls", cwd: "/workspace", aggregatedOutput: "a\nb\n", exitCode: 0 }),
      expect.objectContaining({ command: "false", aggregatedOutput: "", exitCode: 1 }),
    ]);
    expect(t.server.requests("turn/start")).toHaveLength(1);
  });

  it("exec with approval, accepted: the real server's order of status, item, request and resolution", async () => {
    await using t = await connectFake({
      turns: [
        [
          step.exec("touch marker", { output: "done", approval: { reason: "needs write" } }),
          step.message("ok"),
        ],
      ],
    });
    const threadId = await t.client.startThread();
    let requestId: unknown;
    const run = await t.client.runTurn(threadId, "make a marker", async () => {
      const request = await t.client.takeServerRequest("item/commandExecution/requestApproval");
      requestId = request.id;
      expect(request.params).toMatchObject({
        threadId,
        kind: "command",
        command: "touch marker",
        cwd: "/workspace",
        reason: "needs write",
        environmentId: "local",
        proposedExecpolicyAmendment: ["touch", "marker"],
        availableDecisions: [
          "accept",
          { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch", "marker"] } },
          "cancel",
        ],
      });
      request.respond({ decision: "accept" });
    });

    expect(run.sequence).toEqual([
      ...START,
      ...COMMAND_APPROVAL,
      "thread/status/changed(active)",
      "item/commandExecution/outputDelta",
      "item/completed(commandExecution:completed)",
      "item/started(agentMessage)",
      "item/agentMessage/delta",
      "item/completed(agentMessage)",
      ...END,
    ]);
    expect(paramsOf(run.entries, "serverRequest/resolved")).toEqual([{ threadId, requestId }]);
    const request = run.entries.find((entry) => entry.id !== undefined);
    expect(request?.params.itemId).toBe(itemsOf(run.entries, "item/started")[1]?.id);
  });

  it("exec with approval, declined: the item completes as declined before the thread is active again", async () => {
    await using t = await connectFake({
      turns: [[step.exec("rm -rf /", { output: "never", approval: {} }), step.message("fine")]],
    });
    const run = await t.client.runTurn(await t.client.startThread(), "clean up", () =>
      answerCommandApproval(t.client, "decline"),
    );

    expect(run.sequence).toEqual([
      ...START,
      ...COMMAND_APPROVAL,
      "item/completed(commandExecution:declined)",
      "thread/status/changed(active)",
      "item/started(agentMessage)",
      "item/agentMessage/delta",
      "item/completed(agentMessage)",
      ...END,
    ]);
    expect(itemsOf(run.entries, "item/completed")[1]).toMatchObject({
      aggregatedOutput: null,
      exitCode: null,
      durationMs: null,
    });
  });

  it("exec with approval, cancelled: declined, then the turn ends interrupted without the rest of the script", async () => {
    await using t = await connectFake({
      turns: [[step.exec("deploy", { approval: {} }), step.message("never sent")]],
    });
    const run = await t.client.runTurn(await t.client.startThread(), "deploy", () =>
      answerCommandApproval(t.client, "cancel"),
    );

    expect(run.sequence).toEqual([
      ...START,
      ...COMMAND_APPROVAL,
      "item/completed(commandExecution:declined)",
      "thread/status/changed(active)",
      "thread/tokenUsage/updated",
      "account/rateLimits/updated",
      "thread/status/changed(idle)",
      "turn/completed(interrupted)",
    ]);
    expect(run.turn).toMatchObject({ items: [], itemsView: "notLoaded" });
  });

  for (const decision of ["accept", "decline"] as const) {
    it(`fileChange with approval, ${decision}`, async () => {
      await using t = await connectFake({
        turns: [
          [step.fileChange([{ path: "a.txt", kind: "add", diff: "+a" }], { approval: { reason: "write" } })],
        ],
      });
      const threadId = await t.client.startThread();
      const run = await t.client.runTurn(threadId, "write", async ({ turnId }) => {
        const request = await t.client.takeServerRequest("item/fileChange/requestApproval");
        expect(request.params).toMatchObject({ threadId, turnId, reason: "write", grantRoot: null });
        request.respond({ decision });
      });

      expect(run.sequence).toEqual([
        ...START,
        "thread/status/changed(active:waitingOnApproval)",
        "item/started(fileChange:inProgress)",
        "REQ item/fileChange/requestApproval",
        "serverRequest/resolved",
        ...(decision === "accept"
          ? ["thread/status/changed(active)", "item/completed(fileChange:completed)"]
          : ["item/completed(fileChange:declined)", "thread/status/changed(active)"]),
        ...END,
      ]);
      expect(itemsOf(run.entries, "item/completed")[1]).toMatchObject({
        changes: [{ path: "a.txt", kind: { type: "add" }, diff: "+a" }],
      });
    });
  }

  it("approval branches on the decision", async () => {
    const branching = step.approval("git push", {
      reason: "publish",
      onAccept: [step.message("pushed")],
      onDecline: [step.message("kept local")],
    });
    await using t = await connectFake({ turns: [[branching], [branching]] });
    const threadId = await t.client.startThread();
    const texts: unknown[] = [];
    for (const decision of ["accept", "decline"]) {
      const run = await t.client.runTurn(threadId, decision, () => answerCommandApproval(t.client, decision));
      texts.push(run.turn.items[0]?.text);
      expect(run.sequence.slice(4, 8)).toEqual([
        "thread/status/changed(active:waitingOnApproval)",
        "REQ item/commandExecution/requestApproval",
        "serverRequest/resolved",
        "thread/status/changed(active)",
      ]);
    }
    expect(texts).toEqual(["pushed", "kept local"]);
  });

  it("waitForSteer: the turn waits for turn/steer, shows the steer as a user message, then goes on", async () => {
    await using t = await connectFake({
      turns: [[step.message("first"), step.waitForSteer(), step.message("after steer")]],
    });
    const threadId = await t.client.startThread();
    const run = await t.client.runTurn(threadId, "start", async ({ turnId, from }) => {
      await t.client.waitForNotification(
        "item/completed",
        (params) => (params.item as { type: string }).type === "agentMessage",
        from,
      );
      await expect(
        t.client.peer.request("turn/steer", {
          threadId,
          expectedTurnId: "not-the-turn",
          input: [{ type: "text", text: "x", text_elements: [] }],
        }),
      ).rejects.toMatchObject({
        code: -32600,
        message: `expected active turn id \`not-the-turn\` but found \`${turnId}\``,
      });
      const steered = await t.client.peer.request("turn/steer", {
        threadId,
        expectedTurnId: turnId,
        input: [{ type: "text", text: "steer me", text_elements: [] }],
      });
      expect(steered).toEqual({ turnId });
    });

    expect(run.sequence).toEqual([
      ...START,
      "item/started(agentMessage)",
      "item/agentMessage/delta",
      "item/completed(agentMessage)",
      "item/started(userMessage)",
      "item/completed(userMessage)",
      "item/started(agentMessage)",
      "item/agentMessage/delta",
      "item/completed(agentMessage)",
      ...END,
    ]);
    expect(itemsOf(run.entries, "item/completed")[2]).toMatchObject({
      type: "userMessage",
      content: [{ type: "text", text: "steer me", text_elements: [] }],
    });
    expect(run.turn.items).toEqual([expect.objectContaining({ text: "after steer" })]);
    await expect(
      t.client.peer.request("turn/steer", { threadId, expectedTurnId: run.turnId, input: [] }),
    ).rejects.toMatchObject({ code: -32600, message: "no active turn to steer" });
  });

  it("turn/start on a busy thread steers the running turn and answers with it", async () => {
    await using t = await connectFake({ turns: [[step.waitForSteer(), step.message("got it")]] });
    const threadId = await t.client.startThread();
    const run = await t.client.runTurn(threadId, "start", async ({ turnId }) => {
      expect(await t.client.startTurn(threadId, "more")).toBe(turnId);
    });
    expect(itemsOf(run.entries, "item/completed").map((item) => item.type)).toEqual([
      "userMessage",
      "userMessage",
      "agentMessage",
    ]);
    expect(t.server.pendingTurns).toBe(0);
  });

  it("pause: nothing more is sent until simulated time passes", async () => {
    vi.useFakeTimers();
    await using t = await connectFake({
      turns: [[step.message("before"), step.pause(5_000), step.message("after")]],
    });
    const threadId = await t.client.startThread();
    const from = t.client.log.length;
    const turnId = await t.client.startTurn(threadId, "wait");
    await t.client.waitForNotification(
      "item/completed",
      (params) => (params.item as { text?: string }).text === "before",
      from,
    );
    await vi.advanceTimersByTimeAsync(4_999);
    expect(t.client.sequence(from).at(-1)).toBe("item/completed(agentMessage)");
    await vi.advanceTimersByTimeAsync(1);
    const completed = await t.client.waitForNotification("turn/completed", () => true, from);
    expect(completed.params.turn).toMatchObject({ id: turnId, status: "completed" });
  });

  it("usage: token counts add up per thread; `last` is the latest call; no extra usage at the end", async () => {
    await using t = await connectFake({
      turns: [
        [step.message("a"), step.usage(100, 20)],
        [step.message("b"), step.usage(7, 3)],
      ],
    });
    const threadId = await t.client.startThread();
    const first = await t.client.runTurn(threadId, "one");
    const second = await t.client.runTurn(threadId, "two");

    expect(first.sequence.slice(-4)).toEqual(END);
    expect(paramsOf(first.entries, "thread/tokenUsage/updated")).toHaveLength(1);
    expect(paramsOf(second.entries, "thread/tokenUsage/updated")[0]).toMatchObject({
      threadId,
      turnId: second.turnId,
      tokenUsage: {
        total: { inputTokens: 107, outputTokens: 23, totalTokens: 130 },
        last: { inputTokens: 7, outputTokens: 3, totalTokens: 10 },
        modelContextWindow: 258_400,
      },
    });
  });

  it("fail: systemError, the error notification, then turn/completed(failed) carrying the same error", async () => {
    await using t = await connectFake({ turns: [[step.fail("model exploded", "internalServerError")]] });
    const threadId = await t.client.startThread();
    const run = await t.client.runTurn(threadId, "fail");

    expect(run.sequence).toEqual([
      ...START,
      "thread/status/changed(systemError)",
      "error",
      "turn/completed(failed)",
    ]);
    const [error] = paramsOf(run.entries, "error");
    expect(error).toEqual({
      threadId,
      turnId: run.turnId,
      willRetry: false,
      error: {
        message: "model exploded",
        codexErrorInfo: "internalServerError",
        additionalDetails: null,
        misalignment: null,
      },
    });
    expect(run.turn).toMatchObject({
      status: "failed",
      error: error?.error,
      items: [],
      itemsView: "notLoaded",
    });
  });

  it("hang: the turn runs until turn/interrupt, whose {} answer comes before turn/completed(interrupted)", async () => {
    await using t = await connectFake({ turns: [[step.message("working"), step.hang()]] });
    const threadId = await t.client.startThread();
    let answeredAt = -1;
    const run = await t.client.runTurn(threadId, "hang", async ({ turnId, from }) => {
      await t.client.waitForNotification(
        "item/completed",
        (params) => (params.item as { type: string }).type === "agentMessage",
        from,
      );
      await expect(t.client.peer.request("turn/interrupt", { threadId, turnId: "other" })).rejects.toThrow(
        CodexInvalidRequestError,
      );
      expect(await t.client.peer.request("turn/interrupt", { threadId, turnId })).toEqual({});
      answeredAt = t.client.log.length;
    });

    expect(run.sequence.slice(-2)).toEqual(["thread/status/changed(idle)", "turn/completed(interrupted)"]);
    expect(t.client.log.indexOf(run.entries.at(-2) as Received)).toBeGreaterThanOrEqual(answeredAt);
    expect(run.sequence).not.toContain("thread/tokenUsage/updated");
    expect(run.turn).toMatchObject({ status: "interrupted", items: [], itemsView: "notLoaded" });
    await expect(
      t.client.peer.request("turn/interrupt", { threadId, turnId: run.turnId }),
    ).rejects.toMatchObject({
      code: -32600,
      message: "no active turn to interrupt",
    });
  });

  it("refuses turn/interrupt until the turn started, like the real server (startDelayMs opens the window)", async () => {
    await using t = await connectFake({ turns: [{ steps: [step.hang()], startDelayMs: 20 }] });
    const threadId = await t.client.startThread();
    const run = await t.client.runTurn(threadId, "hang", async ({ turnId, from }) => {
      await expect(t.client.peer.request("turn/interrupt", { threadId, turnId })).rejects.toMatchObject({
        code: -32600,
        message: "no active turn to interrupt",
      });
      expect(t.client.sequence(from)).not.toContain("turn/started");
      await t.client.waitForNotification("turn/started", () => true, from);
      expect(await t.client.peer.request("turn/interrupt", { threadId, turnId })).toEqual({});
    });
    expect(run.turn.status).toBe("interrupted");
  });

  it("an interrupt while an approval is pending resolves the request and ends the turn", async () => {
    await using t = await connectFake({ turns: [[step.exec("sleep 100", { approval: {} })]] });
    const threadId = await t.client.startThread();
    let late: (() => void) | undefined;
    const run = await t.client.runTurn(threadId, "sleep", async ({ turnId }) => {
      const request = await t.client.takeServerRequest("item/commandExecution/requestApproval");
      await t.client.peer.request("turn/interrupt", { threadId, turnId });
      late = () => request.respond({ decision: "accept" });
    });
    expect(run.sequence.slice(-4)).toEqual([
      "REQ item/commandExecution/requestApproval",
      "serverRequest/resolved",
      "thread/status/changed(idle)",
      "turn/completed(interrupted)",
    ]);
    late?.();
    await t.client.peer.request("thread/list", {});
    expect(t.server.errors).toEqual([]);
  });

  it("dropConnection: the connection ends in the middle of the turn", async () => {
    await using t = await connectFake({
      turns: [[step.message("bye"), step.dropConnection(), step.message("never")]],
    });
    const threadId = await t.client.startThread();
    await t.client.startTurn(threadId, "go");
    const info = await t.client.closed;
    expect(info.reason).toMatch(/closed/);
    expect(t.client.sequence().at(-1)).toBe("item/completed(agentMessage)");
  });

  it("malformed: the client is told about a message it cannot use, and the turn goes on", async () => {
    await using t = await connectFake({ turns: [[step.malformed("{not json"), step.message("still here")]] });
    const run = await t.client.runTurn(await t.client.startThread(), "go");
    expect(run.turn.items).toEqual([expect.objectContaining({ text: "still here" })]);
    expect(t.client.errors).toEqual([expect.any(CodexProtocolViolationError)]);
  });

  it("notify: sends any notification, checked against the schemas", async () => {
    await using t = await connectFake({
      turns: [[step.notify("configWarning", { summary: "careful", details: null }), step.message("ok")]],
    });
    const run = await t.client.runTurn(await t.client.startThread(), "go");
    expect(paramsOf(run.entries, "configWarning")).toEqual([{ summary: "careful", details: null }]);
    expect(t.server.errors).toEqual([]);
  });

  it("validateOutgoing: a step with invalid params fails the turn instead of sending them", async () => {
    await using t = await connectFake({
      turns: [[step.notify("turn/started", { threadId: 42 }), step.message("never")]],
    });
    const run = await t.client.runTurn(await t.client.startThread(), "go");

    expect(run.sequence).toEqual([
      ...START,
      "thread/status/changed(systemError)",
      "error",
      "turn/completed(failed)",
    ]);
    expect(run.turn.error).toMatchObject({
      message: expect.stringMatching(/could not play its script: .*invalid params of turn\/started/),
    });
    expect(t.server.errors).toEqual([expect.any(FakeServerInvalidMessageError)]);
    expect(t.client.errors).toEqual([]);
  });

  it("validateOutgoing: false sends what the script says, and a strict client rejects it", async () => {
    await using t = await connectFake({
      turns: [[step.notify("turn/started", { threadId: 42 }), step.message("ok")]],
      validateOutgoing: false,
    });
    const run = await t.client.runTurn(await t.client.startThread(), "go");
    expect(run.turn.status).toBe("completed");
    expect(t.server.errors).toEqual([]);
    expect(t.client.errors).toEqual([
      expect.objectContaining({ code: "validation_failed", method: "turn/started" }),
    ]);
  });

  it("two threads run their turns at the same time, each with its own script", async () => {
    await using t = await connectFake({
      turns: [[step.message("A1"), step.pause(0), step.message("A2")], [step.message("B")]],
    });
    const [threadA, threadB] = [await t.client.startThread(), await t.client.startThread()];
    const [runA, runB] = await Promise.all([t.client.runTurn(threadA, "a"), t.client.runTurn(threadB, "b")]);
    expect(runA.turn.items).toEqual([expect.objectContaining({ text: "A2" })]);
    expect(runB.turn.items).toEqual([expect.objectContaining({ text: "B" })]);
    const routed = t.client.log.filter((entry) => entry.params.turnId === runB.turnId);
    expect(routed.every((entry) => entry.params.threadId === threadB)).toBe(true);
  });
});

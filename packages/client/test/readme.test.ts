import { step } from "@codex-app-server/testing";
import { createBrowserInspector } from "@statelyai/inspect";
import { describe, expect, it } from "vitest";
import { CodexTurnInactiveError } from "../src/index.js";
import { connectToFake } from "./support.js";

/** The README's examples, run against the fake server so they stay true. */
describe("README examples", () => {
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

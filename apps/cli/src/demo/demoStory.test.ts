import type { StreamReply } from "@codex-app-server/testing";
import { RecordedRequest } from "@codex-app-server/testing";
import { describe, expect, it } from "vitest";
import { demoReply } from "./demoStory.js";

function request(index: number, input: unknown[]): RecordedRequest {
  return new RecordedRequest({ index, method: "POST", path: "/v1/responses", headers: {}, body: { input } });
}

const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
const call = (callId: string) => ({
  type: "function_call",
  call_id: callId,
  name: "exec_command",
  arguments: "{}",
});
const output = (callId: string, text: string) => ({
  type: "function_call_output",
  call_id: callId,
  output: text,
});

function outputs(reply: ReturnType<typeof demoReply>) {
  return (reply as StreamReply).steps.flatMap((s) => (s.kind === "output" ? [s.output] : []));
}

describe("demoReply", () => {
  it("a user message: a thought, then an apply_patch that writes demo.txt", () => {
    const [thought, patch] = outputs(demoReply(request(0, [user("hi there")]), { eventDelayMs: 0 }));
    expect(thought).toMatchObject({ type: "reasoning" });
    expect(thought?.type === "reasoning" && thought.text).toContain('The user asked: "hi there"');
    expect(patch).toMatchObject({ type: "functionCall", name: "exec_command", callId: "demo-patch-0" });
    const args = JSON.parse(patch?.type === "functionCall" ? patch.arguments : "{}") as { cmd: string };
    expect(args.cmd).toContain(
      "*** Add File: demo.txt\n+Hello from the codex-chat offline demo.\n+You asked: hi there",
    );
  });

  it("after the patch: cat, asking for escalation; after the command: the answer", () => {
    const afterPatch = [user("hi"), call("demo-patch-0"), output("demo-patch-0", "Success")];
    const [exec] = outputs(demoReply(request(1, afterPatch), { eventDelayMs: 0 }));
    expect(exec).toMatchObject({ type: "functionCall", callId: "demo-exec-1" });
    expect(JSON.parse(exec?.type === "functionCall" ? exec.arguments : "{}")).toMatchObject({
      cmd: "cat demo.txt",
      sandbox_permissions: "require_escalated",
    });

    const ran = [
      ...afterPatch,
      call("demo-exec-1"),
      output("demo-exec-1", "Process exited with code 0\nOutput:\n"),
    ];
    const [answer] = outputs(demoReply(request(2, ran), { eventDelayMs: 0 }));
    expect(answer?.type === "message" && answer.text).toMatch(/^I wrote demo\.txt in the workspace/);

    const declined = [...afterPatch, call("demo-exec-1"), output("demo-exec-1", "rejected by user")];
    const [apology] = outputs(demoReply(request(2, declined), { eventDelayMs: 0 }));
    expect(apology?.type === "message" && apology.text).toMatch(/^You declined the command/);
  });

  it("a second story on the thread writes demo-2.txt; the delay slows every event", () => {
    const second = [user("one"), call("demo-patch-0"), call("demo-exec-1"), user("two")];
    const reply = demoReply(request(3, second), { eventDelayMs: 7 }) as StreamReply;
    expect(reply.eventDelayMs).toBe(7);
    const [, patch] = outputs(reply);
    expect(patch?.type === "functionCall" && patch.arguments).toContain("demo-2.txt");
  });
});

import type { ConversationStep } from "@codex-app-server/client";
import { toConversationStep } from "@codex-app-server/client";
import type { ThreadItem } from "@codex-app-server/protocol";
import { describe, expect, it } from "vitest";
import { formatStep } from "./blocks.js";
import { createStyle } from "./terminalStyle.js";

const plainStyle = createStyle(false);

function step(item: Record<string, unknown>): ConversationStep {
  return toConversationStep(item as ThreadItem, "thread-1", "turn-1");
}

function draw(item: Record<string, unknown>, showData = false): string {
  return formatStep(step(item), { style: plainStyle, showData });
}

describe("formatStep", () => {
  it("thinking: the reasoning summary", () => {
    expect(draw({ type: "reasoning", id: "r", summary: ["First.", "Then."], content: [] })).toBe(
      "[thinking]\n  First.\n  Then.\n",
    );
    expect(draw({ type: "reasoning", id: "r", summary: [], content: [] })).toBe(
      "[thinking]\n  (no summary)\n",
    );
  });

  it("exec: status, exit code, duration, command, cwd and output", () => {
    const item = {
      type: "commandExecution",
      id: "c",
      command: "ls",
      cwd: "/w",
      commandActions: [],
      status: "completed",
      exitCode: 0,
      durationMs: 12,
      aggregatedOutput: "a\nb\n",
    };
    expect(draw(item)).toBe("[exec] completed · exit 0 · 12 ms\n  $ ls\n  cwd /w\n  │ a\n  │ b\n");
    expect(
      draw({ ...item, status: "declined", exitCode: null, durationMs: null, aggregatedOutput: null }),
    ).toBe("[exec] declined\n  $ ls\n  cwd /w\n  (declined: the command did not run)\n");
    expect(draw({ ...item, aggregatedOutput: "" })).toContain("  (no output)\n");
  });

  it("exec: a command that ran and was stopped (a timeout) is not shown as declined", () => {
    const text = draw({
      type: "commandExecution",
      id: "c",
      command: "sleep 100",
      cwd: "/w",
      commandActions: [],
      status: "declined",
      exitCode: 124,
      durationMs: 10_000,
      aggregatedOutput: "command timed out\n",
    });
    expect(text).toBe(
      "[exec] stopped · exit 124 · 10000 ms\n  $ sleep 100\n  cwd /w\n" +
        "  (stopped before it finished, by a timeout for one; it was not declined)\n  │ command timed out\n",
    );
    expect(text).not.toContain("declined:");
  });

  it("exec: long output is cut after 40 lines", () => {
    const output = Array.from({ length: 45 }, (_, i) => `line ${i}`).join("\n");
    const text = draw({
      type: "commandExecution",
      id: "c",
      command: "seq",
      cwd: "/",
      commandActions: [],
      status: "completed",
      aggregatedOutput: output,
    });
    expect(text).toContain("  │ line 39\n  │ … 5 more lines\n");
    expect(text).not.toContain("line 40");
  });

  it("file changes: kind, path, moves and line counts", () => {
    expect(
      draw({
        type: "fileChange",
        id: "f",
        status: "completed",
        changes: [
          { path: "new.txt", kind: { type: "add" }, diff: "one\ntwo\n" },
          { path: "old.txt", kind: { type: "update", move_path: "moved.txt" }, diff: "@@\n-a\n+b\n+c\n" },
          { path: "gone.txt", kind: { type: "delete" }, diff: "" },
        ],
      }),
    ).toBe(
      "[file changes] completed\n  add     new.txt (+2)\n  update  old.txt → moved.txt (+2 -1)\n  delete  gone.txt\n",
    );
  });

  it("the answer, and other items by their step type", () => {
    expect(draw({ type: "agentMessage", id: "m", text: "Hi.\nBye." })).toBe("[codex]\n  Hi.\n  Bye.\n");
    expect(draw({ type: "agentMessage", id: "m", text: "Looking.", phase: "commentary" })).toBe(
      "[codex] commentary\n  Looking.\n",
    );
    expect(
      draw({
        type: "mcpToolCall",
        id: "t",
        server: "docs",
        tool: "search",
        status: "failed",
        arguments: {},
        error: { message: "down" },
      }),
    ).toBe("[tool] docs.search · failed\n  down\n");
    expect(draw({ type: "webSearch", id: "w", query: "codex" })).toBe("[webSearch]\n");
  });

  it("--show-data adds a one-line payload summary", () => {
    const text = draw({ type: "agentMessage", id: "m", text: "x".repeat(100) }, true);
    const data = text.split("\n").find((line) => line.startsWith("  data "));
    expect(data).toMatch(/^ {2}data \{type: "agentMessage", id: "m", text: "x{60}…\(\+40\)"\}$/);
  });

  it("colours only when asked", () => {
    const coloured = formatStep(step({ type: "agentMessage", id: "m", text: "Hi." }), {
      style: createStyle(true),
      showData: false,
    });
    expect(coloured).toContain("\u001b[32m[codex]");
    expect(draw({ type: "agentMessage", id: "m", text: "Hi." })).not.toContain("\u001b");
  });
});

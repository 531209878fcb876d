import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/cliProcess.js";

// The offline demo: the real pinned codex app-server, started by the CLI, against its scripted model.

describe("the offline demo", () => {
  it("--demo shows every kind of block, labelled as the offline demo", async () => {
    const run = await runCli(["--demo", "--prompt", "Show me what you can do"]);

    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/^codex-chat · offline demo\n/);
    expect(out).toContain("approvals  accepted automatically in the demo");
    expect(out).toContain('[thinking]\n  The user asked: "Show me what you can do".');
    expect(out).toMatch(/\[file changes\] completed\n {2}add {5}\/\S+\/demo\.txt \(\+2\)\n/);
    expect(out).toContain("[approval] run a command?\n  command  /bin/bash -lc 'cat demo.txt'");
    expect(out).toContain("→ accepted (the demo accepts approvals; --approve ask|decline to change)");
    expect(out).toMatch(
      /\[exec\] completed · exit 0 · \d+ ms\n[^[]*│ Hello from the codex-chat offline demo\.\n {2}│ You asked: Show me what you can do\n/,
    );
    expect(out).toContain("[codex]\n  I wrote demo.txt in the workspace and printed it with cat.");
    expect(out).toMatch(/\[done\] completed · [\d.]+ s · \d+ tokens\n$/);
  });

  it("starts by itself without model credentials, and --approve decline is honoured", async () => {
    const emptyCodexHome = await mkdtemp(join(tmpdir(), "codex-chat-no-login-"));
    try {
      const run = await runCli(["--approve", "decline", "-p", "hello"], {
        env: {
          OPENAI_API_KEY: undefined,
          CODEX_API_KEY: undefined,
          CODEX_APP_SERVER_CMD: undefined,
          CODEX_HOME: emptyCodexHome,
          CODEX_CHAT_DEMO_DELAY_MS: "0",
        },
      });

      expect(run.code).toBe(0);
      expect(run.stdout).toContain("offline demo");
      expect(run.stdout).toContain("No credentials for a real model");
      expect(run.stdout).toContain("→ declined (--approve decline)");
      expect(run.stdout).toContain("[exec] declined");
      expect(run.stdout).toContain("You declined the command");
    } finally {
      await rm(emptyCodexHome, { recursive: true, force: true });
    }
  });

  it("--demo --json: a step of each kind, one object per line", async () => {
    const run = await runCli(["--demo", "--json", "-p", "go"], { env: { CODEX_CHAT_DEMO_DELAY_MS: "0" } });

    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: "session", mode: "demo", demo: { reason: "option" } });
    expect(lines.filter((line) => line.type === "step").map((line) => line.stepType)).toEqual([
      "thinking",
      "file",
      "exec",
      "codex",
    ]);
    expect(lines.at(-1)).toMatchObject({ type: "result", status: "completed" });
  });
});

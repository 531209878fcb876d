import { step } from "@codex-app-server/testing";
import { describe, expect, it } from "vitest";
import { CliProcess, plain, runCli } from "./support/cliProcess.js";
import { fakeScenario } from "./support/fakeScenario.js";

// The CLI against the scenario-driven fake app-server of @codex-app-server/testing, on stdio
// (its `codex-fake-app-server` bin), started by the CLI through --cmd.

const story = [
  step.reasoning("Looking at the workspace first.", { chunks: 2 }),
  step.exec("ls", {
    output: "a.txt\nb.txt\n",
    exitCode: 0,
    cwd: "/workspace",
    approval: { reason: "list files" },
  }),
  step.fileChange([
    { path: "notes.md", kind: "add", diff: "hello\nworld\n" },
    { path: "b.txt", kind: "delete" },
  ]),
  step.message("Two files, and I added notes.md.", { chunks: 3 }),
];

describe("codex-chat against the fake app-server", () => {
  it("draws each completed step as a block, the answer once, colours off", async () => {
    await using fake = await fakeScenario({ turns: [story, [step.message("Second answer.")]] });
    const run = await runCli([
      "--cmd",
      fake.cmd,
      "--approve",
      "accept",
      "-p",
      "What is here?",
      "-p",
      "And now?",
    ]);

    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("\u001b[");
    const out = run.stdout;
    expect(out).toContain("[you] What is here?");
    expect(out).toContain("[thinking]\n  Looking at the workspace first.");
    expect(out).toContain(
      "[approval] run a command?\n  command  ls\n  cwd      /workspace\n  reason   list files",
    );
    expect(out).toContain("→ accepted (--approve accept)");
    expect(out).toMatch(
      /\[exec\] completed · exit 0 · \d+ ms\n {2}\$ ls\n {2}cwd \/workspace\n {2}│ a\.txt\n {2}│ b\.txt\n/,
    );
    expect(out).toContain("[file changes] completed\n  add     notes.md (+2)\n  delete  b.txt");
    expect(out).toContain("[codex]\n  Two files, and I added notes.md.\n");
    expect(out.split("Two files, and I added notes.md.")).toHaveLength(2);
    const order = ["[thinking]", "[approval]", "[exec]", "[file changes]", "[codex]", "[done]"].map((tag) =>
      out.indexOf(tag),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(out).toContain("[you] And now?");
    expect(out).toContain("[codex]\n  Second answer.\n");
    expect(out.match(/\[done\] completed/g)).toHaveLength(2);
    expect(fake.running()).toEqual([]);
  });

  it("--json prints one object per line: steps, approvals, results", async () => {
    await using fake = await fakeScenario({ turns: [story] });
    const run = await runCli(["--cmd", fake.cmd, "--json-deltas", "--prompt", "What is here?"]);

    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: "session", mode: "stdio", approvals: "decline" });
    // In the order the server sent them: the approval comes between the thought and the command.
    expect(lines.map((line) => (line.type === "step" ? `step:${line.stepType}` : line.type))).toEqual([
      "session",
      "user",
      "thread",
      "turn",
      "step:thinking",
      "approval.request",
      "approval",
      "step:exec",
      "step:file",
      "delta",
      "delta",
      "delta",
      "step:codex",
      "result",
    ]);

    const steps = lines.filter((line) => line.type === "step");
    expect(steps.map((s) => s.stepType)).toEqual(["thinking", "exec", "file", "codex"]);
    expect(steps[1]).toMatchObject({ itemType: "commandExecution", item: { status: "declined" } });

    const approvals = lines.filter((line) => String(line.type).startsWith("approval"));
    expect(approvals).toEqual([
      expect.objectContaining({ type: "approval.request", kind: "commandExecution", ask: false }),
      expect.objectContaining({ type: "approval", decision: "decline", by: "default" }),
    ]);

    const deltas = lines.filter((line) => line.type === "delta").map((line) => line.delta);
    expect(deltas).toHaveLength(3);
    expect(deltas.join("")).toBe("Two files, and I added notes.md.");
    expect(lines.at(-1)).toMatchObject({
      status: "completed",
      finalText: "Two files, and I added notes.md.",
    });
  });

  it("asks for approval and takes the answer from stdin", async () => {
    await using fake = await fakeScenario({
      turns: [
        [
          step.exec("rm -rf build", { output: "", approval: { reason: "clean up" } }),
          step.message("Cleaned."),
        ],
        [step.exec("touch x", { approval: { reason: "make x" } }), step.message("Skipped.")],
      ],
    });
    await using cli = new CliProcess(["--cmd", fake.cmd, "--approve", "ask", "-p", "clean", "-p", "touch"]);

    await cli.waitFor("approve? [y/N] ");
    expect(cli.stdout).toContain("command  rm -rf build");
    cli.write("y\n");
    await cli.waitFor("Cleaned.");
    await cli.waitFor(/reason {3}make x\n {2}approve\? \[y\/N\] $/);
    cli.write("n\n");
    const exit = await cli.exit();

    expect(exit.code).toBe(0);
    expect(cli.stdout).toContain("approve? [y/N] y\n  → accepted\n[exec] completed · exit 0");
    expect(cli.stdout).toContain("approve? [y/N] n\n  → declined\n[exec] declined");
  });

  it("declines when stdin ends before the answer", async () => {
    await using fake = await fakeScenario({
      turns: [[step.exec("touch x", { approval: { reason: "make x" } }), step.message("Fine.")]],
    });
    const run = await runCli(["--cmd", fake.cmd, "--approve", "ask", "-p", "go"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("→ declined (end of input)");
    expect(run.stdout).toContain("[exec] declined");
  });

  it("Ctrl-C interrupts the hanging turn, then the next prompt runs", async () => {
    await using fake = await fakeScenario({
      turns: [[step.message("Working on it..."), step.hang()], [step.message("Second turn done.")]],
    });
    await using cli = new CliProcess(["--cmd", fake.cmd, "-p", "hang", "-p", "next"]);

    await cli.waitFor("Working on it...");
    cli.signal("SIGINT");
    await cli.waitFor("[interrupted] the turn was interrupted");
    const exit = await cli.exit();

    expect(exit.code).toBe(0);
    expect(cli.stderr).toContain("interrupting the turn (Ctrl-C again to quit)");
    expect(cli.stdout).toContain("[codex]\n  Second turn done.");
    expect(fake.running()).toEqual([]);
  });

  it("a second Ctrl-C while the interrupt is pending exits with 130 and closes the server", async () => {
    await using fake = await fakeScenario({
      turns: [[step.message("Stuck."), step.hang()]],
      // A server that acknowledges turn/interrupt but never ends the turn.
      handlers: { "turn/interrupt": {} },
    });
    await using cli = new CliProcess(["--cmd", fake.cmd, "-p", "hang", "-p", "never runs"]);

    await cli.waitFor("Stuck.");
    cli.signal("SIGINT");
    await cli.waitFor("interrupting the turn", { stream: "stderr" });
    cli.signal("SIGINT");
    const exit = await cli.exit();

    expect(exit.code).toBe(130);
    expect(cli.stderr).toContain("closing the connection and exiting");
    expect(cli.stdout).not.toContain("never runs");
    expect(fake.running()).toEqual([]);
  });

  it("Ctrl-C during an approval question declines it and interrupts the turn", async () => {
    await using fake = await fakeScenario({
      turns: [[step.exec("deploy", { approval: { reason: "ship it" } }), step.hang()]],
    });
    await using cli = new CliProcess(["--cmd", fake.cmd, "--approve", "ask", "-p", "ship"]);

    await cli.waitFor("approve? [y/N] ");
    cli.signal("SIGINT");
    const exit = await cli.exit();

    expect(exit.code).toBe(0);
    expect(cli.stdout).toContain("approve? [y/N] \n  → declined (Ctrl-C)\n");
    expect(cli.stdout).toContain("[interrupted] the turn was interrupted");
  });

  it("a turn that goes quiet is resumed by default", async () => {
    await using fake = await fakeScenario({
      turns: [[step.message("Starting."), step.pause(1500), step.message("After the pause.")]],
    });
    const run = await runCli(["--cmd", fake.cmd, "--inactivity-timeout", "0.3", "-p", "slow"]);

    expect(run.code).toBe(0);
    expect(run.stderr).toContain("no activity for 0.3 s: still waiting");
    expect(run.stdout).toContain("After the pause.");
    expect(run.stdout).toContain("[done] completed");
  });

  it("--cancel-on-timeout cancels a quiet turn and shows what was unread", async () => {
    await using fake = await fakeScenario({ turns: [[step.message("Starting."), step.hang()]] });
    const run = await runCli([
      "--cmd",
      fake.cmd,
      "--inactivity-timeout",
      "0.3",
      "--cancel-on-timeout",
      "-p",
      "slow",
    ]);

    expect(run.code).toBe(0);
    expect(run.stderr).toContain("no activity for 0.3 s: cancelling the turn (--cancel-on-timeout)");
    expect(plain(run.stdout)).toMatch(
      /\[cancelled\] the turn went quiet and was cancelled \(turn\/interrupt\)\n {2}unread: 0 steps in \d+ events?/,
    );
    expect(run.stdout).not.toContain("[done]");
  });

  it("reports a failed turn and exits with 1", async () => {
    await using fake = await fakeScenario({ turns: [[step.fail("the model is unavailable")]] });
    const run = await runCli(["--cmd", fake.cmd, "-p", "hi"]);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("[failed] the model is unavailable");
  });
});

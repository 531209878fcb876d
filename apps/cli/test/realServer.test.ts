import { createGate, reply } from "@codex-app-server/testing";
import { describe, expect, it } from "vitest";
import { CliProcess, plain, runCli } from "./support/cliProcess.js";
import { appServersWithCodexHome, realServerForCli } from "./support/realServer.js";

// The CLI against the real pinned codex app-server (started by the CLI through --cmd), offline: a
// ScriptedModel in this process answers the server's model calls.

describe("codex-chat against the real app-server", () => {
  it("draws thinking, the approved command with its output, and the streamed answer", async () => {
    await using real = await realServerForCli();
    real.server.model.enqueue(
      reply.sequence(
        reply.reasoning("Let me say hello.", { chunks: 2 }),
        reply.execCommand({ cmd: "echo hello-from-exec", justification: "say hello" }),
      ),
      reply.message("All done here.", { chunks: 3 }),
    );
    const run = await runCli([...real.args, "--approve", "accept", "-p", "say hello"], real.cliOptions);

    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toContain("[you] say hello\n[thinking]\n  Let me say hello.\n[approval] run a command?");
    expect(out).toContain("  command  /bin/bash -lc 'echo hello-from-exec'\n");
    expect(out).toContain(
      `  cwd      ${real.server.workspace}\n  reason   say hello\n  → accepted (--approve accept)`,
    );
    expect(out).toMatch(
      /\[exec\] completed · exit 0 · \d+ ms\n {2}\$ \/bin\/bash -lc 'echo hello-from-exec'\n/,
    );
    expect(out).toContain("  │ hello-from-exec\n");
    expect(out).toContain("[codex]\n  All done here.\n");
    expect(out).toMatch(/\[done\] completed · [\d.]+ s · \d+ tokens\n$/);
    expect(real.server.model.requests[0]?.lastUserText).toBe("say hello");
  });

  it("asks y/n on stdin; a declined command does not run", async () => {
    await using real = await realServerForCli();
    real.server.model.enqueue(
      reply.execCommand({ cmd: "touch should-not-exist", justification: "make a file" }),
      reply.message("You said no."),
    );
    await using cli = new CliProcess(
      [...real.args, "--approve", "ask", "-p", "make a file"],
      real.cliOptions,
    );

    await cli.waitFor("approve? [y/N] ");
    cli.write("n\n");
    const exit = await cli.exit();

    expect(exit.code).toBe(0);
    expect(cli.stdout).toContain("approve? [y/N] n\n  → declined\n[exec] declined");
    expect(cli.stdout).toContain("(declined: the command did not run)");
    expect(cli.stdout).toContain("[codex]\n  You said no.");
    const [, followUp] = real.server.model.requests;
    expect(String(followUp?.functionCallOutputs[0]?.output)).toContain("rejected by user");
  });

  it("Ctrl-C interrupts a hanging turn; the next prompt runs; the server is closed at the end", async () => {
    await using real = await realServerForCli();
    real.server.model.enqueue(reply.hang(), reply.message("After the interrupt."));
    await using cli = new CliProcess([...real.args, "-p", "hang", "-p", "next"], real.cliOptions);

    await real.server.model.waitForRequests(1);
    expect(appServersWithCodexHome(real.server.codexHome)).not.toEqual([]);
    cli.signal("SIGINT");
    await cli.waitFor("[interrupted] the turn was interrupted");
    const exit = await cli.exit();

    expect(exit.code).toBe(0);
    expect(cli.stdout).toContain("[codex]\n  After the interrupt.");
    expect(appServersWithCodexHome(real.server.codexHome)).toEqual([]);
  });

  it("Ctrl-C while idle at the prompt exits with 130 and ends the server", async () => {
    await using real = await realServerForCli();
    await using cli = new CliProcess(real.args, real.cliOptions);

    await cli.waitFor("approvals  declined automatically");
    cli.signal("SIGINT");
    const exit = await cli.exit();

    expect(exit.code).toBe(130);
    expect(appServersWithCodexHome(real.server.codexHome)).toEqual([]);
  });

  it("a quiet turn is resumed by default, and goes on when the model does", async () => {
    await using real = await realServerForCli();
    const gate = createGate();
    real.server.model.enqueue(reply.slow(reply.message("Sorry, I was slow."), { gate }));
    await using cli = new CliProcess(
      [...real.args, "--inactivity-timeout", "0.5", "-p", "slow"],
      real.cliOptions,
    );

    await cli.waitFor("no activity for 0.5 s: still waiting", { stream: "stderr" });
    gate.release();
    const exit = await cli.exit();

    expect(exit.code).toBe(0);
    expect(cli.stdout).toContain("[codex]\n  Sorry, I was slow.");
    expect(cli.stdout).toContain("[done] completed");
  });

  it("--cancel-on-timeout interrupts a quiet turn", async () => {
    await using real = await realServerForCli();
    real.server.model.enqueue(reply.hang());
    const run = await runCli(
      [...real.args, "--inactivity-timeout", "0.5", "--cancel-on-timeout", "-p", "hang"],
      real.cliOptions,
    );

    expect(run.code).toBe(0);
    expect(run.stderr).toContain("no activity for 0.5 s: cancelling the turn (--cancel-on-timeout)");
    expect(run.stdout).toContain("[cancelled] the turn went quiet and was cancelled (turn/interrupt)");
    expect(appServersWithCodexHome(real.server.codexHome)).toEqual([]);
  });

  it("--json against the real server: approvals and the result", async () => {
    await using real = await realServerForCli();
    real.server.model.enqueue(
      reply.execCommand({ cmd: "echo from-json", justification: "json" }),
      reply.message("JSON done.", { chunks: 2 }),
    );
    const run = await runCli([...real.args, "--json", "--approve", "accept", "-p", "go"], real.cliOptions);

    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line.type === "approval")).toMatchObject({
      kind: "commandExecution",
      decision: "accept",
      by: "policy",
    });
    const exec = lines.find((line) => line.type === "step" && line.stepType === "exec");
    expect(exec).toMatchObject({
      item: { status: "completed", exitCode: 0, aggregatedOutput: "from-json\n" },
    });
    expect(lines.at(-1)).toMatchObject({ type: "result", status: "completed", finalText: "JSON done." });
  });

  it("in a pseudo-terminal: colours, the interactive prompt, y/n approval, Ctrl-C as a key", async () => {
    await using real = await realServerForCli();
    real.server.model.enqueue(
      reply.execCommand({ cmd: "echo typed", justification: "echo it" }),
      reply.message("Typed and echoed."),
    );
    await using cli = new CliProcess(real.args, {
      ...real.cliOptions,
      pty: true,
      env: { ...real.cliOptions.env, NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: "xterm" },
    });

    await cli.waitFor("you › ");
    expect(plain(cli.stdout)).toContain("approvals  ask (y/n) for each request");
    cli.write("run it\r");
    await cli.waitFor("approve? [y/N] ");
    cli.write("y\r");
    await cli.waitFor("Typed and echoed.");
    await cli.waitFor(/you › [^\n]*$/);
    cli.write("\u0003");
    const exit = await cli.exit();

    expect(exit.code).toBe(130);
    expect(cli.stdout).toContain("\u001b[34m");
    const screen = plain(cli.stdout);
    expect(screen).toContain("you › run it");
    expect(screen).toContain("[approval] run a command?");
    expect(screen).toContain("approve? [y/N] y");
    expect(screen).toContain("│ typed");
    expect(appServersWithCodexHome(real.server.codexHome)).toEqual([]);
  });

  it("in a pseudo-terminal, the Ctrl-C key interrupts the turn and the server lives on; Ctrl-D exits", async () => {
    await using real = await realServerForCli();
    real.server.model.enqueue(reply.hang(), reply.message("Still here."));
    await using cli = new CliProcess(real.args, { ...real.cliOptions, pty: true });

    await cli.waitFor("you › ");
    cli.write("hang please\r");
    await real.server.model.waitForRequests(1);
    cli.write("\u0003");
    await cli.waitFor("[interrupted] the turn was interrupted");
    await cli.waitFor(/you › $/);
    cli.write("are you there?\r");
    await cli.waitFor("Still here.");
    await cli.waitFor(/you › $/);
    cli.write("\u0004");
    const exit = await cli.exit();

    expect(exit.code).toBe(0);
    expect(plain(cli.stdout)).toContain("interrupting the turn (Ctrl-C again to quit)");
    expect(appServersWithCodexHome(real.server.codexHome)).toEqual([]);
  });
});

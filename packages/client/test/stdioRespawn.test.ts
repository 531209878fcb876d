import { fakeAppServerCommand, step, writeScenarioFile } from "@codex-app-server/testing";
import { ConnectionClosedError } from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import { CodexTurnLostError } from "../src/index.js";
import { connectStdio } from "../src/node/index.js";
import { waitForSnapshot } from "./support.js";

/**
 * A stdio server dies with its pipe, and its running turns with it: no reconnection brings them back.
 * The turn says so (`CodexTurnLostError`); `respawn: true` starts a new server and resumes the threads.
 * The fake stdio bin's `dropConnection` step ends the server process in the middle of a turn.
 */
describe("a stdio server that dies mid-turn", () => {
  it("fails the turn with CodexTurnLostError, which says that a turn does not outlive its server", async () => {
    await using scenario = await writeScenarioFile({
      turns: [[step.message("partial"), step.dropConnection()]],
    });
    const { command, args } = fakeAppServerCommand(scenario.path);
    await using client = await connectStdio({ command, args, validation: "strict" });
    const thread = await client.startThread();
    const turn = await thread.turn("hi");
    const error = await turn.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexTurnLostError);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as CodexTurnLostError).code).toBe("turn_lost");
    expect((error as CodexTurnLostError).turnId).toBe(turn.turnId);
    expect((error as Error).message).toMatch(/does not outlive its server.*respawn: true/);
    expect((error as Error).cause).toBeInstanceOf(ConnectionClosedError);
    expect(client.state).toBe("failed");
  });

  it("respawn: true starts a new server, resumes the threads, and the client serves again", async () => {
    await using scenario = await writeScenarioFile({
      turns: [[step.message("partial"), step.dropConnection()]],
    });
    const { command, args } = fakeAppServerCommand(scenario.path);
    const errors: Error[] = [];
    await using client = await connectStdio({
      command,
      args,
      validation: "strict",
      respawn: true,
      reconnect: { initialDelayMs: 1, maxDelayMs: 5 },
      onError: (error) => errors.push(error),
    });
    const thread = await client.startThread();
    const turn = await thread.turn("hi");
    const error = await turn.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexTurnLostError);
    expect((error as Error).message).toMatch(/a new server is started/);
    await waitForSnapshot(client.actor, (s) => s.matches("ready"));
    // The new server was asked to resume the thread (this fake keeps no threads on disk, and says so).
    expect(errors.some((e) => /thread/.test(e.message))).toBe(true);
    await expect(client.request("thread/list")).resolves.toHaveProperty("data");
    expect(client.state).toBe("ready");
  });
});

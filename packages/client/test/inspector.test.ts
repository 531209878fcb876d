import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));

/** The README's inspector guidance for Node, run as users run it: a program that must end on its own. */
describe("inspector in Node", () => {
  it("a custom observer through `inspect` sees the client, thread and turn actors, and the process exits", async () => {
    const { stdout } = await run(
      process.execPath,
      ["--conditions=@codex-app-server/source", "--import", "tsx", "test/fixtures/inspectorObserver.ts"],
      { cwd: packageDir, timeout: 60_000 },
    );
    const report = JSON.parse(stdout) as { finalText: string; seen: Record<string, string[]> };
    expect(report.finalText).toBe("ok");
    expect(report.seen.client).toEqual(expect.arrayContaining(['"ready"', '"closed"']));
    expect(Object.keys(report.seen)).toEqual(expect.arrayContaining(["client", "thread", "turn"]));
    expect(report.seen.turn).toContain('"completed"');
  });

  it("createWebSocketInspector with a receiver listening: the receiver sees the turn under its thread, and stop() lets the process exit", async () => {
    const { stdout } = await run(
      process.execPath,
      ["--conditions=@codex-app-server/source", "--import", "tsx", "test/fixtures/inspectorWebSocket.ts"],
      { cwd: packageDir, timeout: 60_000 },
    );
    const report = JSON.parse(stdout) as {
      finalText: string;
      actors: Array<{ id: string; parent: string | null }>;
    };
    expect(report.finalText).toBe("ok");
    const thread = report.actors.find((a) => a.id.startsWith("thread:"));
    const turn = report.actors.find((a) => a.id.startsWith("turn:"));
    expect(report.actors[0]).toEqual({ id: "client", parent: null });
    expect(thread?.parent).toBe("client");
    expect(turn?.parent).toBe(thread?.id);
  });
});

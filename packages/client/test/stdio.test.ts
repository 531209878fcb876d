import { fakeAppServerCommand } from "@codex-app-server/testing";
import { ConnectionClosedError } from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import { CodexClient, CodexTimeoutError, CodexUsageError } from "../src/index.js";
import { connectStdio } from "../src/node/index.js";

describe("connectStdio", () => {
  it("a server that dies at startup fails with its exit code and stderr tail", async () => {
    const error = await connectStdio({
      command: "sh",
      args: ["-c", "echo boom >&2; exit 3"],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    const closed = error as ConnectionClosedError;
    expect(closed.exitCode).toBe(3);
    expect(closed.stderrTail).toContain("boom");
    expect(closed.message).toMatch(/exit(ed)? .*3/);
  });

  it("takes the Python SDKs' argv form: command as an array, the program first", async () => {
    const { command, args } = fakeAppServerCommand();
    await using client = await connectStdio({ command: [command, ...args] });
    expect(client.state).toBe("ready");
    expect((await client.chatOnce("hi")).finalText).toBe("ok");
  });

  it("lives at @codex-app-server/client/node and returns a CodexClient; the root class has no Node-only static", async () => {
    const { command, args } = fakeAppServerCommand();
    await using client = await connectStdio({ command, args });
    expect(client).toBeInstanceOf(CodexClient);
    expect("connectStdio" in CodexClient).toBe(false);
    expect(typeof CodexClient.connectWebSocket).toBe("function");
  });

  it("refuses an argv with args as well, an empty argv or a command of another type, spawning nothing", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ command: ["codex", "app-server"], args: ["app-server"] }, /put the arguments in the array/],
      [{ command: [] }, /the program first/],
      [{ command: ["codex", 1] }, /argv of strings/],
      [{ command: 42 }, /a program \("codex"\) or an argv array/],
    ];
    for (const [options, message] of cases) {
      const error = await connectStdio(options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CodexUsageError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it("connectTimeoutMs bounds spawn and initialize: a server that never answers is stopped", async () => {
    const pids: number[] = [];
    const silent = "process.stderr.write(process.pid + '\\n'); process.stdin.resume();";
    const error = await connectStdio({
      command: [process.execPath, "-e", silent],
      connectTimeoutMs: 1_000,
      onStderrLine: (line) => pids.push(Number(line)),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexTimeoutError);
    expect(error).toMatchObject({ code: "request_timeout", method: "initialize", timeoutMs: 1_000 });
    expect((error as Error).message).toMatch(/within 1000 ms \(connectTimeoutMs\)/);
    // The connect closed the transport before rejecting: the child has exited.
    expect(pids).toHaveLength(1);
    expect(() => process.kill(pids[0] as number, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
  });
});

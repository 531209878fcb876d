import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { CodexInvalidMessageError } from "@codex-app-server/transport";
import { StdioTransport } from "@codex-app-server/transport/stdio";
import { afterAll, describe, expect, it } from "vitest";
import { RawClient } from "../../test/support/rawClient.js";
import type { FakeScenario } from "../fake/scenario.js";
import { fakeAppServerCommand } from "../node/fakeAppServerCommand.js";
import { writeScenarioFile } from "../node/scenarioFile.js";

const pids: number[] = [];

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(() => {
  expect(pids.filter(isAlive)).toEqual([]);
});

async function connectBin(scenario: FakeScenario, options: { viaEnv?: boolean; validate?: boolean } = {}) {
  const file = await writeScenarioFile(scenario);
  const command = options.viaEnv ? fakeAppServerCommand() : fakeAppServerCommand(file.path);
  const transport = new StdioTransport({
    ...command,
    env: options.viaEnv ? { CODEX_FAKE_SCENARIO: file.path } : {},
  });
  const client = await RawClient.connect(transport, { validate: options.validate });
  if (transport.pid !== undefined) pids.push(transport.pid);
  return {
    client,
    transport,
    async [Symbol.asyncDispose]() {
      await client.close();
      await file.remove();
    },
  };
}

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { command, args: prefix } = fakeAppServerCommand(...args);
  return new Promise((resolve) => {
    execFile(
      command,
      prefix,
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

describe("codex-fake-app-server (stdio bin)", () => {
  it("is declared in package.json and built by tsup", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      bin: Record<string, string>;
    };
    const tsup = readFileSync(new URL("../../tsup.config.ts", import.meta.url), "utf8");
    // The bin is a committed shim (so an unbuilt workspace links it without a warning) that runs the build.
    expect(pkg.bin).toEqual({ "codex-fake-app-server": "./bin/codex-fake-app-server.js" });
    const shim = readFileSync(new URL("../../bin/codex-fake-app-server.js", import.meta.url), "utf8");
    expect(shim).toContain('"../dist/bin/fakeAppServer.js"');
    expect(tsup).toContain('"bin/fakeAppServer": "src/bin/fakeAppServer.ts"');
  });

  it("plays the scenario file's turns and handlers over the real stdio transport", async () => {
    await using t = await connectBin({
      turns: [
        [
          { type: "message", text: "Hello there", chunks: 3 },
          { type: "exec", command: "touch x", approval: { reason: "write" } },
        ],
      ],
      handlers: {
        "model/list": [
          { data: [], nextCursor: "first" },
          { data: [], nextCursor: "then" },
        ],
      },
    });
    const threadId = await t.client.startThread();
    const run = await t.client.runTurn(threadId, "hi", async () => {
      (await t.client.takeServerRequest("item/commandExecution/requestApproval")).respond({
        decision: "accept",
      });
    });
    expect(run.turn.items).toEqual([expect.objectContaining({ text: "Hello there" })]);
    expect(run.sequence).toContain("item/completed(commandExecution:completed)");
    const cursors = [];
    for (let i = 0; i < 3; i++) cursors.push((await t.client.peer.request("model/list", {})).nextCursor);
    expect(cursors).toEqual(["first", "then", "then"]);
    expect(t.client.errors).toEqual([]);
  });

  it("reads the scenario path from CODEX_FAKE_SCENARIO", async () => {
    await using t = await connectBin({ turns: [[{ type: "message", text: "from env" }]] }, { viaEnv: true });
    const run = await t.client.runTurn(await t.client.startThread(), "hi");
    expect(run.turn.items).toEqual([expect.objectContaining({ text: "from env" })]);
  });

  it("exits by itself when its stdin closes", async () => {
    const t = await connectBin({});
    const closed = t.client.closed;
    await t.client.close();
    expect((await closed).reason).toBe("closed by client (process exited with code 0)");
    await t[Symbol.asyncDispose]();
  });

  it("writes a malformed step as a raw line: the client reports it and keeps reading", async () => {
    await using t = await connectBin({
      turns: [
        [
          { type: "malformed", line: "{half a message" },
          { type: "message", text: "after" },
        ],
      ],
    });
    const run = await t.client.runTurn(await t.client.startThread(), "hi");
    expect(run.turn.items).toEqual([expect.objectContaining({ text: "after" })]);
    expect(t.client.errors).toEqual([expect.any(CodexInvalidMessageError)]);
  });

  it("dropConnection ends the process; the client sees the connection close", async () => {
    await using t = await connectBin({
      turns: [[{ type: "message", text: "bye" }, { type: "dropConnection" }]],
    });
    await t.client.startTurn(await t.client.startThread(), "hi");
    const info = await t.client.closed;
    expect(info).toMatchObject({ exitCode: 0 });
    expect(t.client.sequence().at(-1)).toBe("item/completed(agentMessage)");
  });

  it("streams 100,000 burst deltas, all of them, in order", async () => {
    const text = "0123456789".repeat(10_000);
    await using t = await connectBin(
      { turns: [[{ type: "message", text, chunks: 100_000, burst: true }]] },
      { validate: false },
    );
    const threadId = await t.client.startThread();
    let received = "";
    let count = 0;
    t.client.peer.onNotification("item/agentMessage/delta", (params) => {
      received += params.delta;
      count++;
    });
    const run = await t.client.runTurn(threadId, "go");
    expect(count).toBe(100_000);
    expect(received).toBe(text);
    expect(run.turn.status).toBe("completed");
    // How fast is the stream benchmark's business (apps/bench), not a timed assertion here.
  });

  it("exits with code 2 and a clear message when the scenario is invalid", async () => {
    const file = await writeScenarioFile({ turns: [[{ type: "sing" } as never]] });
    try {
      const result = await run([file.path]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `codex-fake-app-server: ${file.path}.turns[0].steps[0]: unknown step type "sing"`,
      );
    } finally {
      await file.remove();
    }
    const missing = await run(["/nonexistent/scenario.json"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read the scenario file /nonexistent/scenario.json");
  });

  it("prints its usage with --help", async () => {
    const result = await run(["--help"]);
    expect(result).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("usage: codex-fake-app-server"),
    });
  });
});

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createGate } from "../scriptedModel/gate.js";
import { reply } from "../scriptedModel/replies.js";
import { ScriptedModel } from "../scriptedModel/scriptedModel.js";
import { liveAppServerPids } from "./appServerProcess.js";
import { RealAppServerError } from "./errors.js";
import { resolveCodexBinary } from "./resolveCodexBinary.js";
import type { StdioRealAppServer } from "./startRealAppServer.js";
import { startRealAppServer } from "./startRealAppServer.js";
import type { RawMessage } from "./testSupport/rawRpcClient.js";
import {
  initialize,
  RawRpcClient,
  startThread,
  startTurn,
  stdioChannel,
  webSocketChannel,
} from "./testSupport/rawRpcClient.js";

const spawnedPids: number[] = [];

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

afterAll(() => {
  expect(spawnedPids.length).toBeGreaterThan(0);
  expect(spawnedPids.filter(isAlive)).toEqual([]);
  expect(liveAppServerPids()).toEqual([]);
});

async function connectStdio(server: StdioRealAppServer): Promise<RawRpcClient> {
  const child = await server.spawn();
  spawnedPids.push(child.pid);
  const client = new RawRpcClient(stdioChannel(child));
  await initialize(client);
  return client;
}

/** Notifications that belong to the connection or the thread's start, and may trail into a turn. */
const AMBIENT = new Set(["configWarning", "remoteControl/status/changed", "thread/started", "warning"]);

interface TurnRun {
  turnId: string;
  sequence: string[];
  messages: RawMessage[];
  completed: RawMessage;
}

/** Starts a turn and collects everything up to its `turn/completed`. */
async function runTurn(
  client: RawRpcClient,
  threadId: string,
  text: string,
  during?: (turnId: string, from: number) => Promise<void>,
): Promise<TurnRun> {
  const from = client.received.length;
  const turnId = await startTurn(client, threadId, text);
  await during?.(turnId, from);
  const completed = await client.waitForNotification("turn/completed", from);
  const messages = client.received.slice(from).filter((message) => !AMBIENT.has(message.method ?? ""));
  const sequence = client.sequenceSince(from).filter((entry) => !AMBIENT.has(entry));
  if (process.env.LOG_SEQUENCES) console.log(`${text}:\n  ${sequence.join("\n  ")}`);
  return { turnId, sequence, messages, completed };
}

function paramsOf(messages: RawMessage[], method: string): Record<string, unknown>[] {
  return messages
    .filter((message) => message.method === method)
    .map((message) => message.params as Record<string, unknown>);
}

const TURN_START = [
  "thread/status/changed(active)",
  "turn/started",
  "item/started(userMessage)",
  "item/completed(userMessage)",
];
const TURN_END_OK = [
  "thread/tokenUsage/updated",
  "account/rateLimits/updated",
  "thread/status/changed(idle)",
  "turn/completed(completed)",
];

describe("startRealAppServer over stdio", () => {
  it("describes the launch for a stdio transport and writes a config pointing at the model", async () => {
    await using server = await startRealAppServer();
    expect(server.transport).toBe("stdio");
    expect(server.stdioOptions).toEqual({
      command: resolveCodexBinary(),
      args: ["app-server"],
      cwd: server.workspace,
      env: expect.objectContaining({ CODEX_HOME: server.codexHome, OPENAI_API_KEY: expect.any(String) }),
    });
    expect(server.stdioOptions.env.HOME).toBe(server.home);
    expect(server.home).not.toBe(process.env.HOME);
    expect(readdirSync(server.home)).toEqual([]);
    const config = readFileSync(`${server.codexHome}/config.toml`, "utf8");
    expect(config).toContain(`model_providers.scripted_model.base_url = "${server.model.baseUrl}"`);
    expect(config).toContain('approval_policy = "on-request"');
    expect(existsSync(server.workspace)).toBe(true);
  });

  it("streams a queued message: three deltas, then turn/completed", async () => {
    await using server = await startRealAppServer();
    server.model.enqueue(reply.message("Hello there", { chunks: 3 }));
    const client = await connectStdio(server);
    const threadId = await startThread(client);
    const run = await runTurn(client, threadId, "hi");

    expect(run.sequence).toEqual([
      ...TURN_START,
      "item/started(agentMessage)",
      "item/agentMessage/delta",
      "item/agentMessage/delta",
      "item/agentMessage/delta",
      "item/completed(agentMessage)",
      ...TURN_END_OK,
    ]);
    expect(paramsOf(run.messages, "item/agentMessage/delta").map((params) => params.delta)).toEqual([
      "Hel",
      "lo t",
      "here",
    ]);
    const turn = (run.completed.params as { turn: { id: string; status: string; items: unknown[] } }).turn;
    expect(turn).toMatchObject({ id: run.turnId, status: "completed" });
    expect(turn.items).toEqual([expect.objectContaining({ type: "agentMessage", text: "Hello there" })]);
    expect(server.model.requests).toHaveLength(1);
    expect(server.model.requests[0]?.lastUserText).toBe("hi");
    expect(server.model.requests[0]?.toolNames).toContain("exec_command");
  });

  it("streams reasoning summaries before the message", async () => {
    await using server = await startRealAppServer();
    server.model.enqueue(
      reply.sequence(reply.reasoning("thinking...", { chunks: 2 }), reply.message("Done")),
    );
    const client = await connectStdio(server);
    const run = await runTurn(client, await startThread(client), "think first");

    expect(run.sequence).toEqual([
      ...TURN_START,
      "item/started(reasoning)",
      "item/reasoning/summaryTextDelta",
      "item/reasoning/summaryTextDelta",
      "item/completed(reasoning)",
      "item/started(agentMessage)",
      "item/agentMessage/delta",
      "item/completed(agentMessage)",
      ...TURN_END_OK,
    ]);
    expect(paramsOf(run.messages, "item/reasoning/summaryTextDelta")).toEqual([
      expect.objectContaining({ delta: "think", summaryIndex: 0 }),
      expect.objectContaining({ delta: "ing...", summaryIndex: 0 }),
    ]);
    expect(paramsOf(run.messages, "item/completed")[1]?.item).toMatchObject({
      type: "reasoning",
      summary: ["thinking..."],
    });
  });

  for (const decision of ["accept", "decline"] as const) {
    it(`asks approval for an escalated exec_command; ${decision} ${decision === "accept" ? "runs" : "skips"} it, and the next reply answers the tool result`, async () => {
      await using server = await startRealAppServer();
      const marker = `${server.workspace}/marker`;
      server.model.enqueue(
        reply.execCommand({ cmd: `touch ${marker}`, justification: "make a marker", callId: "call_marker" }),
        reply.message("after the command"),
      );
      const client = await connectStdio(server);
      const threadId = await startThread(client);
      let approval: RawMessage | undefined;
      const run = await runTurn(client, threadId, "make a marker", async (_turnId, from) => {
        approval = await client.waitForServerRequest("item/commandExecution/requestApproval", from);
        client.respond(approval.id!, { decision });
      });

      expect(approval?.params).toMatchObject({
        threadId,
        turnId: run.turnId,
        itemId: "call_marker",
        reason: "make a marker",
        cwd: server.workspace,
        command: expect.stringContaining(`touch ${marker}`),
        // "decline" is accepted although it is not listed
        availableDecisions: [
          "accept",
          { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch", marker] } },
          "cancel",
        ],
      });
      const commandItems = paramsOf(run.messages, "item/completed")
        .map((params) => params.item as { type: string; status: string })
        .filter((item) => item.type === "commandExecution");
      expect(commandItems).toEqual([
        expect.objectContaining({
          id: "call_marker",
          status: decision === "accept" ? "completed" : "declined",
        }),
      ]);
      expect(existsSync(marker)).toBe(decision === "accept");

      expect(run.sequence.slice(0, 7)).toEqual([
        ...TURN_START,
        "thread/status/changed(active:waitingOnApproval)",
        "item/started(commandExecution:inProgress)",
        "REQ item/commandExecution/requestApproval",
      ]);
      expect(run.sequence).toContain("serverRequest/resolved");
      expect(run.sequence.slice(-7)).toEqual([
        "item/started(agentMessage)",
        "item/agentMessage/delta",
        "item/completed(agentMessage)",
        ...TURN_END_OK,
      ]);
      const resolved = paramsOf(run.messages, "serverRequest/resolved")[0];
      expect(resolved).toEqual({ threadId, requestId: approval?.id });

      expect(server.model.requests).toHaveLength(2);
      const followUp = server.model.requests[1];
      expect(followUp?.functionCalls.map((call) => call.call_id)).toEqual(["call_marker"]);
      expect(followUp?.functionCallOutputs).toEqual([
        expect.objectContaining({ type: "function_call_output", call_id: "call_marker" }),
      ]);
      const output = String(followUp?.functionCallOutputs[0]?.output);
      if (decision === "accept") expect(output).toContain("Process exited with code 0");
      else expect(output).toContain("rejected by user");
      expect((run.completed.params as { turn: { items: unknown[] } }).turn.items).toEqual([
        expect.objectContaining({ type: "agentMessage", text: "after the command" }),
      ]);
    });
  }

  it("reports an HTTP 500 from the model as an error notification and a failed turn", async () => {
    await using server = await startRealAppServer();
    server.model.enqueue(reply.fail({ status: 500 }));
    const client = await connectStdio(server);
    const threadId = await startThread(client);
    const run = await runTurn(client, threadId, "fail please");

    expect(run.sequence).toEqual([
      ...TURN_START,
      "thread/status/changed(systemError)",
      "error",
      "turn/completed(failed)",
    ]);
    const [error] = paramsOf(run.messages, "error");
    expect(error).toMatchObject({
      threadId,
      turnId: run.turnId,
      willRetry: false,
      error: { codexErrorInfo: "internalServerError", message: expect.any(String) },
    });
    expect((run.completed.params as { turn: { error: unknown } }).turn.error).toEqual(error?.error);
    expect(server.model.requests).toHaveLength(1);
  });

  it("reports response.failed as an error notification and a failed turn", async () => {
    await using server = await startRealAppServer();
    server.model.enqueue(reply.failed({ message: "the model gave up" }));
    const client = await connectStdio(server);
    const run = await runTurn(client, await startThread(client), "fail differently");

    expect(run.sequence).toEqual([
      ...TURN_START,
      "account/rateLimits/updated",
      "thread/status/changed(systemError)",
      "error",
      "turn/completed(failed)",
    ]);
    expect(paramsOf(run.messages, "error")[0]).toMatchObject({
      willRetry: false,
      error: { codexErrorInfo: "other", message: expect.stringContaining("the model gave up") },
    });
  });

  it("interrupts a turn whose model stream hangs; the server drops the stream", async () => {
    await using server = await startRealAppServer();
    server.model.enqueue(reply.hang());
    const client = await connectStdio(server);
    const threadId = await startThread(client);
    const run = await runTurn(client, threadId, "hang", async (turnId) => {
      await server.model.waitForRequests(1);
      const result = await client.call("turn/interrupt", { threadId, turnId });
      expect(result).toEqual({});
    });

    // `account/rateLimits/updated` comes once the server has read the model's response headers: the
    // interrupt may be faster. It is account-wide, not part of the turn.
    expect(run.sequence.filter((entry) => entry !== "account/rateLimits/updated")).toEqual([
      ...TURN_START,
      "thread/status/changed(idle)",
      "turn/completed(interrupted)",
    ]);
    await server.model.waitForIdle();
    expect(server.model.openStreams).toBe(0);
  });

  it("streams the part before a gate, then the rest once the gate is released", async () => {
    await using server = await startRealAppServer();
    const gate = createGate();
    server.model.enqueue(
      reply.sequence(reply.message("first"), reply.waitFor(gate), reply.message("second")),
    );
    const client = await connectStdio(server);
    const threadId = await startThread(client);
    const run = await runTurn(client, threadId, "two parts", async (_turnId, from) => {
      await client.waitForNotification(
        "item/completed",
        from,
        (params) => (params.item as { type: string }).type === "agentMessage",
      );
      await gate.reached;
      expect(client.received.slice(from).some((message) => message.method === "turn/completed")).toBe(false);
      gate.release();
    });
    const texts = paramsOf(run.messages, "item/completed")
      .map((params) => params.item as { type: string; text?: string })
      .filter((item) => item.type === "agentMessage")
      .map((item) => item.text);
    expect(texts).toEqual(["first", "second"]);
  });

  it("applies approvalPolicy, sandboxMode and extra config (object or TOML lines)", async () => {
    {
      await using server = await startRealAppServer({
        approvalPolicy: "never",
        sandboxMode: "read-only",
        config: { model_reasoning_effort: "high" },
      });
      const client = await connectStdio(server);
      const result = await client.call<Record<string, unknown>>("thread/start", {});
      expect(result).toMatchObject({
        approvalPolicy: "never",
        sandbox: { type: "readOnly" },
        reasoningEffort: "high",
        modelProvider: "scripted_model",
        model: "mock-model",
        cwd: server.workspace,
      });
    }
    {
      await using server = await startRealAppServer({ config: 'model_reasoning_effort = "low"' });
      const client = await connectStdio(server);
      const result = await client.call<Record<string, unknown>>("thread/start", {});
      expect(result).toMatchObject({ approvalPolicy: "on-request", reasoningEffort: "low" });
    }
  });

  it("uses a given model and workspace without closing or removing them", async () => {
    await using model = await ScriptedModel.start();
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const workspace = await mkdtemp(`${tmpdir()}/given-workspace-`);
    try {
      const server = await startRealAppServer({ model, cwd: workspace });
      expect(server.model).toBe(model);
      expect(server.workspace).toBe(workspace);
      const client = await connectStdio(server);
      await runTurn(client, await startThread(client), "fallback please");
      expect(model.requests[0]?.lastUserText).toBe("fallback please");
      await server.close();
      expect(model.closed).toBe(false);
      expect(existsSync(workspace)).toBe(true);
      expect(existsSync(server.codexHome)).toBe(false);
    } finally {
      await rm(workspace, { recursive: true, force: true });
    }
  });

  it("on dispose kills the processes it spawned and removes its temp dirs", async () => {
    let pid = 0;
    let codexHome = "";
    let workspace = "";
    let home = "";
    let model: ScriptedModel | undefined;
    {
      await using server = await startRealAppServer();
      const child = await server.spawn();
      spawnedPids.push(child.pid);
      ({ pid } = child);
      ({ codexHome, workspace, model, home } = server);
      expect(isAlive(pid)).toBe(true);
    }
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(codexHome)).toBe(false);
    expect(existsSync(workspace)).toBe(false);
    expect(existsSync(home)).toBe(false);
    expect(model?.closed).toBe(true);
  });
});

describe("startRealAppServer over websocket", () => {
  it("serves a client that presents the token, and refuses a wrong token", async () => {
    await using server = await startRealAppServer({ transport: "websocket" });
    spawnedPids.push(server.pid);
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
    const tokenFile = server.args[server.args.indexOf("--ws-token-file") + 1] ?? "";
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect((await fetch(server.readyzUrl)).status).toBe(200);

    await expect(webSocketChannel(server.url, { Authorization: "Bearer wrong" })).rejects.toThrow(/HTTP 401/);

    server.model.enqueue(reply.message("Hello over websocket", { chunks: 2 }));
    const client = new RawRpcClient(await webSocketChannel(server.url, server.headers));
    try {
      await initialize(client);
      const run = await runTurn(client, await startThread(client), "hi");
      expect(paramsOf(run.messages, "item/agentMessage/delta").map((params) => params.delta)).toEqual([
        "Hello over",
        " websocket",
      ]);
      expect((run.completed.params as { turn: { status: string } }).turn.status).toBe("completed");
      expect(server.model.requests.map((request) => request.lastUserText)).toEqual(["hi"]);
    } finally {
      await client.close();
    }
  });

  it("never shows the token in its printable form, stderr or errors", async () => {
    await using server = await startRealAppServer({ transport: "websocket" });
    spawnedPids.push(server.pid);
    const { token } = server;
    expect(JSON.stringify(server)).not.toContain(token);
    expect(inspect(server, { depth: 5 })).not.toContain(token);
    expect(server.url).not.toContain(token);
    expect(server.stderrTail()).not.toContain(token);
    expect(server.stderrTail()).toContain("listening on");
  });

  it("fails with a clear error, stderr included, when the server exits before listening", async () => {
    await using model = await ScriptedModel.start();
    // passes the configuration check, then exits when asked to listen
    const script = 'case "$*" in *--listen*) echo "cannot bind: boom" >&2; exit 3;; esac';
    const error = await startRealAppServer({
      transport: "websocket",
      model,
      codexCommand: ["/bin/sh", "-c", script, "sh"],
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RealAppServerError);
    expect(error).toMatchObject({
      code: "app_server_exited",
      message: expect.stringContaining("code 3"),
      stderrTail: "cannot bind: boom",
    });
    expect(model.closed).toBe(false);
    expect(liveAppServerPids()).toEqual([]);
  });
});

describe("startRealAppServer refuses to start", () => {
  for (const transport of ["stdio", "websocket"] as const) {
    it(`with invalid TOML (${transport}), instead of letting codex fall back to its default provider`, async () => {
      await using model = await ScriptedModel.start();
      const error = await startRealAppServer({ transport, model, config: "this is [not toml" }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(RealAppServerError);
      expect(error).toMatchObject({
        code: "invalid_config",
        message: expect.stringContaining("key with no value"),
      });
      expect(model.closed).toBe(false);
    });
  }

  it("with an unknown config key, unless strictConfig is off", async () => {
    await expect(startRealAppServer({ config: { no_such_setting: 1 } })).rejects.toMatchObject({
      code: "invalid_config",
      message: expect.stringContaining("unknown configuration field `no_such_setting`"),
    });
    await using lenient = await startRealAppServer({ config: { no_such_setting: 1 }, strictConfig: false });
    expect(lenient.closed).toBe(false);
  });

  it("when the command cannot be started", async () => {
    for (const transport of ["stdio", "websocket"] as const) {
      await expect(
        startRealAppServer({ transport, codexCommand: "/nonexistent/codex" }),
      ).rejects.toMatchObject({
        code: "app_server_exited",
        message: expect.stringContaining("could not start /nonexistent/codex"),
      });
    }
  });
});

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { StdioRealAppServer } from "@codex-app-server/testing";
import { createGate, liveAppServerPids, reply, startRealAppServer } from "@codex-app-server/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ConversationStep, ServerRequest } from "../src/index.js";
import { CodexClient, CodexTurnFailedError, CodexTurnInactiveError } from "../src/index.js";
import { connectStdio } from "../src/node/index.js";

/**
 * The client against the pinned real `codex app-server`, driven offline by a ScriptedModel.
 * One server for the file. Each test routes the model's answers to its own prompts
 * (`model.when(prompt, ...)`), so a reply one test left unused can never answer another's turn, and
 * waits for events (a model request, a gate), never for a clock.
 */
let server: StdioRealAppServer;
let client: CodexClient;
let decide: (request: ServerRequest) => unknown = () => undefined;
const errors: Error[] = [];

beforeAll(async () => {
  server = await startRealAppServer({ transport: "stdio" });
  client = await connectStdio({
    ...server.stdioOptions,
    validation: "strict",
    onServerRequest: (request) => decide(request),
    onError: (error) => errors.push(error),
  });
}, 60_000);

beforeEach(() => {
  server.model.reset();
  decide = () => undefined;
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  expect(liveAppServerPids()).toEqual([]);
});

describe("against the real app-server", () => {
  it("chatOnce returns the streamed answer", async () => {
    server.model.when("hi", reply.message("Hello from the real server", { chunks: 3 }));
    const result = await client.chatOnce("hi", { includeRawEvents: true });
    expect(result.finalText).toBe("Hello from the real server");
    expect(result.status).toBe("completed");
    expect(result.completionSource).toBe("item_completed");
    expect(result.rawEvents?.filter((e) => e.method === "item/agentMessage/delta")).toHaveLength(3);
    expect(result.usage?.total.totalTokens).toBeGreaterThan(0);
    expect(server.model.requests.at(-1)?.lastUserText).toBe("hi");
    expect(errors).toEqual([]);
  });

  it("chat streams a reasoning step then the answer", async () => {
    server.model.when(
      "question",
      reply.sequence(reply.reasoning("Let me think", { chunks: 2 }), reply.message("Forty-two")),
    );
    const steps: ConversationStep[] = [];
    for await (const s of client.chat("question")) steps.push(s);
    expect(steps.map((s) => s.stepType)).toEqual(["thinking", "codex"]);
    expect(steps[0]?.text).toBe("Let me think");
    expect(steps[1]?.text).toBe("Forty-two");
  });

  it("declines an exec approval by default: the command does not run", async () => {
    const marker = join(server.workspace, "declined-marker");
    server.model.when(
      "make a declined marker",
      reply.execCommand({ cmd: `touch ${marker}`, justification: "make a marker" }),
      reply.message("I could not do it."),
    );
    const result = await client.chatOnce("make a declined marker");
    const exec = result.items.find((i) => i.type === "commandExecution") as { status?: string } | undefined;
    expect(exec?.status).toBe("declined");
    expect(existsSync(marker)).toBe(false);
    expect(result.finalText).toBe("I could not do it.");
  });

  it("accepts an exec approval through the handler: the command runs", async () => {
    const marker = join(server.workspace, "accepted-marker");
    server.model.when(
      "make an accepted marker",
      reply.execCommand({ cmd: `touch ${marker}`, justification: "make a marker" }),
      reply.message("Done."),
    );
    const seen: ServerRequest[] = [];
    decide = (request) => {
      seen.push(request);
      return request.kind === "commandExecution" ? request.accept() : undefined;
    };
    const result = await client.chatOnce("make an accepted marker");
    expect(seen.map((r) => r.kind)).toEqual(["commandExecution"]);
    expect(seen[0]?.turnId).toBe(result.turnId);
    expect(existsSync(marker)).toBe(true);
    const exec = result.items.find((i) => i.type === "commandExecution") as
      | { status?: string; exitCode?: number }
      | undefined;
    expect(exec).toMatchObject({ status: "completed", exitCode: 0 });
    expect(result.finalText).toBe("Done.");
  });

  it("acceptForSession runs the command and covers the same command later in the session", async () => {
    const first = join(server.workspace, "session-marker");
    server.model.when(
      "approve for the session",
      reply.execCommand({ cmd: `touch ${first}`, justification: "make a marker" }),
      reply.message("Made it."),
    );
    server.model.when(
      "same command again",
      reply.execCommand({ cmd: `touch ${first}`, justification: "make a marker" }),
      reply.message("Made it again."),
    );
    const asked: string[] = [];
    decide = (request) => {
      asked.push(request.kind);
      return request.kind === "commandExecution" ? request.acceptForSession() : undefined;
    };
    const thread = await client.startThread();
    const once = await thread.chatOnce("approve for the session");
    expect(existsSync(first)).toBe(true);
    expect(once.finalText).toBe("Made it.");
    const again = await thread.chatOnce("same command again");
    expect(again.finalText).toBe("Made it again.");
    expect(asked).toEqual(["commandExecution"]);
    expect(errors).toEqual([]);
  });

  it("an approvalRequests() watcher sees the request and what the handler sent", async () => {
    const marker = join(server.workspace, "watched-marker");
    server.model.when(
      "watch this approval",
      reply.execCommand({ cmd: `touch ${marker}`, justification: "make a marker" }),
      reply.message("Watched."),
    );
    decide = (request) => (request.kind === "commandExecution" ? request.accept() : undefined);
    const watcher = client.approvalRequests();
    const watched = watcher.next();
    const result = await client.chatOnce("watch this approval");
    expect(result.finalText).toBe("Watched.");
    const { value } = await watched;
    expect(value?.turnId).toBe(result.turnId);
    expect(await value?.outcome).toEqual({ state: "answered", answer: { decision: "accept" }, reason: null });
    await watcher.return?.();
    expect(existsSync(marker)).toBe(true);
  });

  it("aborting chatOnce mid-turn interrupts the turn on the server, and the thread takes the next turn", async () => {
    const gate = createGate();
    server.model.when("abort me", reply.sequence(reply.message("started"), reply.waitFor(gate)));
    server.model.when("after the abort", reply.message("still here"));
    const thread = await client.startThread();
    const controller = new AbortController();
    let abortedTurn = "";
    const off = client.onNotification((n) => {
      if (n.method === "item/completed" && n.params.item.type === "agentMessage") {
        abortedTurn = n.params.turnId;
        controller.abort();
      }
    });
    const error = await thread.chatOnce("abort me", { signal: controller.signal }).catch((e: unknown) => e);
    off();
    expect((error as Error).name).toBe("CodexAbortError");
    expect(client.turn(abortedTurn)?.state).toBe("interrupted");
    expect(thread.state).toBe("idle");
    const next = await thread.chatOnce("after the abort");
    expect(next.finalText).toBe("still here");
    gate.release();
  });

  it("a slow model past the inactivity timeout is resumed by its continuation", async () => {
    const gate = createGate();
    server.model.when("slow one", reply.slow(reply.message("worth the wait"), { gate }));
    const error = await client.chatOnce("slow one", { inactivityTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexTurnInactiveError);
    const { continuation } = error as CodexTurnInactiveError;
    expect(client.turn(continuation.turnId)?.state).toBe("inactive");
    gate.release();
    const result = await client.chatOnce(continuation, { inactivityTimeoutMs: null });
    expect(result.finalText).toBe("worth the wait");
    expect(result.turnId).toBe(continuation.turnId);
  });

  it("a model that never finishes is cancelled, and the thread takes a new turn", async () => {
    // The inactivity timeout may fire before the server has even started the turn: the cancel's
    // interrupt then waits for turn/started.
    server.model.when("hang", reply.hang());
    server.model.when("again", reply.message("fresh turn"));
    const error = await client.chatOnce("hang", { inactivityTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexTurnInactiveError);
    const { continuation } = error as CodexTurnInactiveError;
    const cancelled = await client.cancel(continuation);
    expect(cancelled).toMatchObject({ wasInterrupted: true, wasCompleted: false });
    expect(cancelled.rawEvents.at(-1)?.method).toBe("turn/completed");
    expect(client.turn(continuation.turnId)?.state).toBe("interrupted");
    const next = await client.chatOnce("again", { threadId: continuation.threadId });
    expect(next.finalText).toBe("fresh turn");
  });

  it("steers a running turn", async () => {
    const gate = createGate();
    server.model.when(
      "start work",
      reply.sequence(reply.message("working on it"), reply.waitFor(gate), reply.message("first answer")),
    );
    server.model.when("also consider this", reply.message("steered answer"));
    const thread = await client.startThread();
    const turn = await thread.turn("start work");
    await gate.reached;
    const steered = await turn.steer("also consider this");
    expect(steered.turnId).toBe(turn.turnId);
    gate.release();
    const result = await turn.result();
    expect(result.status).toBe("completed");
    expect(result.finalResponse).toBe("steered answer");
    expect((await server.model.waitForRequest("also consider this")).userTexts).toContain("start work");
  });

  it("steer() right after thread.turn() is held until the turn started, then reaches the model", async () => {
    const gate = createGate();
    server.model.when("steer me at once", reply.sequence(reply.waitFor(gate), reply.message("first")));
    server.model.when("the early steer", reply.message("answer to the steer"));
    const thread = await client.startThread();
    const turn = await thread.turn("steer me at once");
    const steering = turn.steer("the early steer");
    await gate.reached;
    expect((await steering).turnId).toBe(turn.turnId);
    gate.release();
    const request = await server.model.waitForRequest("the early steer");
    expect(request.userTexts).toContain("steer me at once");
    const result = await turn.result();
    expect(result).toMatchObject({ status: "completed", finalResponse: "answer to the steer" });
    expect(turn.actor.getSnapshot().context.steerCount).toBe(1);
  });

  it("cancel() right after thread.turn() ends the turn interrupted, and the thread takes a new turn", async () => {
    server.model.when("cancel me at once", reply.hang());
    server.model.when("after the cancel", reply.message("next turn"));
    const thread = await client.startThread();
    const turn = await thread.turn("cancel me at once");
    const cancelled = await client.cancel(turn.continuation());
    expect(cancelled).toMatchObject({ wasInterrupted: true, wasCompleted: false });
    expect(cancelled.rawEvents.at(-1)?.method).toBe("turn/completed");
    expect(turn.state).toBe("interrupted");
    expect((await turn.result()).status).toBe("interrupted");
    const next = await thread.run("after the cancel");
    expect(next.finalResponse).toBe("next turn");
  });

  it("a failing model fails the turn with the server's error", async () => {
    server.model.when("fail please", reply.fail({ status: 500 }));
    const error = await client.chatOnce("fail please").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexTurnFailedError);
    expect((error as CodexTurnFailedError).turnError?.codexErrorInfo).toBe("internalServerError");
  });

  it("runs ten turns on ten threads at once", async () => {
    server.model.setFallback((request) =>
      reply.message(`echo: ${request.lastUserText ?? ""}`, { chunks: 2 }),
    );
    const prompts = Array.from({ length: 10 }, (_, i) => `prompt number ${i}`);
    const results = await Promise.all(prompts.map((p) => client.chatOnce(p)));
    expect(results.map((r) => r.finalText)).toEqual(prompts.map((p) => `echo: ${p}`));
    expect(new Set(results.map((r) => r.threadId)).size).toBe(10);
  });
});

describe("over websocket", () => {
  it("connects with the bearer token and chats", async () => {
    await using ws = await startRealAppServer({ transport: "websocket" });
    ws.model.enqueue(reply.message("hello over websocket", { chunks: 2 }));
    await using wsClient = await CodexClient.connectWebSocket({
      url: ws.url,
      token: ws.token,
      validation: "strict",
    });
    const result = await wsClient.chatOnce("hi");
    expect(result.finalText).toBe("hello over websocket");
    expect(wsClient.state).toBe("ready");
  });

  it("a wrong token fails connectWebSocket with a typed error that does not contain the token", async () => {
    await using ws = await startRealAppServer({ transport: "websocket" });
    const error = await CodexClient.connectWebSocket({ url: ws.url, token: "wrong-secret-token" }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe("CodexAuthenticationError");
    expect(String((error as Error).message)).not.toContain("wrong-secret-token");
  });
});

describe("what a Python SDK user reaches for, against the real server", () => {
  it("request() without params, writeConfigValue without a merge strategy, readThread with turns by default", async () => {
    expect(Array.isArray((await client.request("model/list")).data)).toBe(true);
    expect(Array.isArray((await client.request("thread/list")).data)).toBe(true);
    expect(await client.readConfigRequirements()).toHaveProperty("requirements");
    const written = await client.writeConfigValue({ keyPath: "model", value: "mock-model" });
    expect(written.status).toBe("ok");
    // Before its first turn the server cannot list a thread's turns: the default reads it without.
    const thread = await client.startThread();
    expect((await thread.read()).thread.turns).toEqual([]);
    server.model.when("read me back", reply.message("read back"));
    await thread.run("read me back");
    const read = await client.readThread(thread.id);
    expect(read.thread.turns.map((turn) => turn.status)).toEqual(["completed"]);
  });

  it("thread.defaults holds the settings the server reported", async () => {
    const thread = await client.startThread();
    expect(thread.defaults).toMatchObject({
      model: "mock-model",
      modelProvider: "scripted_model",
      cwd: thread.info.cwd,
      approvalPolicy: "on-request",
      sandboxPolicy: { type: "workspaceWrite" },
    });
    server.model.when("with another model", reply.message("ok"));
    await thread.run("with another model", { model: "mock-model-2" });
    expect(thread.defaults.model).toBe("mock-model-2");
    const resumed = await client.resumeThread(thread.id);
    expect(resumed.defaults.model).toBe("mock-model-2");
  });

  it("acceptWithExecpolicyAmendment runs the command, and the rule spares the next approval", async () => {
    const marker = join(server.workspace, "amended-marker");
    server.model.when(
      "amend the policy",
      reply.execCommand({ cmd: `touch ${marker}`, justification: "make a marker" }),
      reply.message("Amended."),
    );
    server.model.when(
      "amended command again",
      reply.execCommand({ cmd: `touch ${marker}`, justification: "make a marker" }),
      reply.message("Again."),
    );
    const amendments: unknown[] = [];
    decide = (request) => {
      if (request.kind !== "commandExecution") return undefined;
      amendments.push(request.execpolicyAmendment);
      return request.acceptWithExecpolicyAmendment();
    };
    const thread = await client.startThread();
    expect((await thread.chatOnce("amend the policy")).finalText).toBe("Amended.");
    expect(existsSync(marker)).toBe(true);
    expect((await thread.chatOnce("amended command again")).finalText).toBe("Again.");
    expect(amendments).toEqual([["touch", marker]]);
  });

  it("client.interruptTurn(turnId) interrupts a turn this client runs, held until it started", async () => {
    server.model.when("interrupt me by id", reply.hang());
    const thread = await client.startThread();
    const turn = await thread.turn("interrupt me by id");
    const result = await client.interruptTurn(turn.turnId);
    expect(result?.status).toBe("interrupted");
    expect(thread.state).toBe("idle");
  });

  it("a compaction is a TurnHandle, and a run() asked for meanwhile waits for it", async () => {
    const gate = createGate();
    server.model.when("before compaction", reply.message("first"));
    server.model.when(
      /CONTEXT CHECKPOINT COMPACTION/,
      reply.sequence(reply.waitFor(gate), reply.message("summary")),
    );
    server.model.when("after compaction", reply.message("after"));
    const thread = await client.startThread();
    await thread.run("before compaction");
    const compaction = await thread.compact();
    expect(compaction.kind).toBe("compaction");
    const run = thread.run("after compaction");
    await gate.reached;
    gate.release();
    const compacted = await compaction.result();
    expect(compacted.status).toBe("completed");
    expect(compacted.items.map((item) => item.type)).toEqual(["contextCompaction"]);
    expect((await run).finalResponse).toBe("after");
    expect(errors).toEqual([]);
  });

  it("a review is a TurnHandle: its finalResponse is the review; interrupted through its inner turn", async () => {
    server.model.when("review the work", reply.message("Looks right."));
    const thread = await client.startThread();
    const review = await thread.startReview({ type: "custom", instructions: "review the work" });
    expect(review.kind).toBe("review");
    const result = await review.result();
    expect(result).toMatchObject({ status: "completed", finalResponse: "Looks right." });
    expect(result.items.map((item) => item.type)).toContain("exitedReviewMode");

    const gate = createGate();
    server.model.when("hold the review", reply.sequence(reply.waitFor(gate), reply.message("late")));
    const held = await client.startReview({
      threadId: thread.id,
      target: { type: "custom", instructions: "hold the review" },
    });
    await gate.reached;
    expect((await held.interrupt()).status).toBe("interrupted");
    expect(held.actor.getSnapshot().context.activeTurnId).not.toBe(held.turnId);
    gate.release();
    server.model.when("after the review", reply.message("next"));
    expect((await thread.run("after the review")).finalResponse).toBe("next");
  });
});

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { StdioRealAppServer } from "@codex-app-server/testing";
import { createGate, liveAppServerPids, reply, startRealAppServer } from "@codex-app-server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConversationStep, ServerRequest } from "../src/index.js";
import { CodexClient, CodexTurnFailedError, CodexTurnInactiveError } from "../src/index.js";

/**
 * The client against the pinned real `codex app-server`, driven offline by a ScriptedModel.
 * One server for the file; each test scripts the model's answers for its own turns.
 */
let server: StdioRealAppServer;
let client: CodexClient;
let decide: (request: ServerRequest) => unknown = () => undefined;
const errors: Error[] = [];

beforeAll(async () => {
  server = await startRealAppServer({ transport: "stdio" });
  client = await CodexClient.connectStdio({
    ...server.stdioOptions,
    validation: "strict",
    onServerRequest: (request) => decide(request),
    onError: (error) => errors.push(error),
  });
}, 60_000);

afterAll(async () => {
  await client?.close();
  await server?.close();
  expect(liveAppServerPids()).toEqual([]);
});

describe("against the real app-server", () => {
  it("chatOnce returns the streamed answer", async () => {
    server.model.enqueue(reply.message("Hello from the real server", { chunks: 3 }));
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
    server.model.enqueue(
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
    server.model.enqueue(
      reply.execCommand({ cmd: `touch ${marker}`, justification: "make a marker" }),
      reply.message("I could not do it."),
    );
    decide = () => undefined;
    const result = await client.chatOnce("make a marker");
    const exec = result.items.find((i) => i.type === "commandExecution") as { status?: string } | undefined;
    expect(exec?.status).toBe("declined");
    expect(existsSync(marker)).toBe(false);
    expect(result.finalText).toBe("I could not do it.");
  });

  it("accepts an exec approval through the handler: the command runs", async () => {
    const marker = join(server.workspace, "accepted-marker");
    server.model.enqueue(
      reply.execCommand({ cmd: `touch ${marker}`, justification: "make a marker" }),
      reply.message("Done."),
    );
    const seen: ServerRequest[] = [];
    decide = (request) => {
      seen.push(request);
      return request.kind === "commandExecution" ? request.accept() : undefined;
    };
    const result = await client.chatOnce("make a marker");
    decide = () => undefined;
    expect(seen.map((r) => r.kind)).toEqual(["commandExecution"]);
    expect(seen[0]?.turnId).toBe(result.turnId);
    expect(existsSync(marker)).toBe(true);
    const exec = result.items.find((i) => i.type === "commandExecution") as
      | { status?: string; exitCode?: number }
      | undefined;
    expect(exec).toMatchObject({ status: "completed", exitCode: 0 });
    expect(result.finalText).toBe("Done.");
  });

  it("a slow model past the inactivity timeout is resumed by its continuation", async () => {
    const gate = createGate();
    server.model.enqueue(reply.slow(reply.message("worth the wait"), { gate }));
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
    server.model.enqueue(reply.hang(), reply.message("fresh turn"));
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
    server.model.enqueue(
      reply.sequence(reply.message("working on it"), reply.waitFor(gate), reply.message("first answer")),
    );
    server.model.setFallback(reply.message("steered answer"));
    const thread = await client.startThread();
    const turn = await thread.turn("start work");
    await gate.reached;
    const steered = await turn.steer("also consider this");
    expect(steered.turnId).toBe(turn.turnId);
    gate.release();
    const result = await turn.result();
    expect(result.status).toBe("completed");
    expect(server.model.requests.some((r) => r.userTexts.includes("also consider this"))).toBe(true);
    server.model.setFallback(reply.message("ok"));
  });

  it("a failing model fails the turn with the server's error", async () => {
    server.model.enqueue(reply.fail({ status: 500 }));
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
    server.model.setFallback(reply.message("ok"));
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

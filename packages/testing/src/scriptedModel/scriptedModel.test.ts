import { request as httpRequest } from "node:http";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ScriptedModelError } from "./errors.js";
import { createGate } from "./gate.js";
import { reply } from "./replies.js";
import { ScriptedModel } from "./scriptedModel.js";

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim().length > 0)
    .map((block) => {
      const [eventLine, dataLine] = block.split("\n");
      expect(eventLine).toMatch(/^event: /);
      expect(dataLine).toMatch(/^data: /);
      const event = (eventLine ?? "").slice("event: ".length);
      const data = JSON.parse((dataLine ?? "").slice("data: ".length)) as Record<string, unknown>;
      expect(data.type).toBe(event);
      return { event, data };
    });
}

function post(
  model: ScriptedModel,
  body: unknown = { input: [] },
  init: RequestInit = {},
): Promise<Response> {
  return fetch(`${model.baseUrl}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    ...init,
  });
}

async function postEvents(model: ScriptedModel, body?: unknown): Promise<SseEvent[]> {
  const response = await post(model, body);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  return parseSse(await response.text());
}

const userMessage = (text: string) => ({
  type: "message",
  role: "user",
  content: [{ type: "input_text", text }],
});

describe("ScriptedModel", () => {
  it("listens on loopback and exposes a /v1 base URL", async () => {
    await using model = await ScriptedModel.start();
    expect(model.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it("streams a message as added, one delta per chunk, done, completed with usage", async () => {
    await using model = await ScriptedModel.start();
    model.enqueue(reply.message("Hello there", { chunks: 3 }));
    const events = await postEvents(model);
    expect(events.map((event) => event.event)).toEqual([
      "response.created",
      "response.output_item.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_item.done",
      "response.completed",
    ]);
    const [created, added, , , , done, completed] = events;
    const responseId = (created?.data.response as { id: string }).id;
    const itemId = (added?.data.item as { id: string }).id;
    expect(added?.data).toEqual({
      type: "response.output_item.added",
      output_index: 0,
      item: { type: "message", role: "assistant", id: itemId, content: [] },
    });
    expect(events.slice(2, 5).map((event) => event.data)).toEqual([
      {
        type: "response.output_text.delta",
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        delta: "Hel",
      },
      {
        type: "response.output_text.delta",
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        delta: "lo t",
      },
      {
        type: "response.output_text.delta",
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        delta: "here",
      },
    ]);
    expect(done?.data.item).toEqual({
      type: "message",
      role: "assistant",
      id: itemId,
      content: [{ type: "output_text", text: "Hello there" }],
    });
    expect(completed?.data).toEqual({
      type: "response.completed",
      response: {
        id: responseId,
        usage: {
          input_tokens: 10,
          input_tokens_details: null,
          output_tokens: 5,
          output_tokens_details: null,
          total_tokens: 15,
        },
      },
    });
  });

  it("accepts explicit chunks and custom usage", async () => {
    await using model = await ScriptedModel.start();
    model.enqueue(
      reply.message("abc", { chunks: ["a", "bc"], usage: { inputTokens: 7, cachedInputTokens: 2 } }),
    );
    const events = await postEvents(model);
    expect(
      events.filter((event) => event.event === "response.output_text.delta").map((e) => e.data.delta),
    ).toEqual(["a", "bc"]);
    expect((events.at(-1)?.data.response as { usage: unknown }).usage).toEqual({
      input_tokens: 7,
      input_tokens_details: { cached_tokens: 2 },
      output_tokens: 5,
      output_tokens_details: null,
      total_tokens: 12,
    });
  });

  it("streams reasoning then a message with increasing output indexes", async () => {
    await using model = await ScriptedModel.start();
    model.enqueue(reply.sequence(reply.reasoning("thinking...", { chunks: 2 }), reply.message("Done")));
    const events = await postEvents(model);
    expect(events.map((event) => [event.event, event.data.output_index])).toEqual([
      ["response.created", undefined],
      ["response.output_item.added", 0],
      ["response.reasoning_summary_text.delta", 0],
      ["response.reasoning_summary_text.delta", 0],
      ["response.output_item.done", 0],
      ["response.output_item.added", 1],
      ["response.output_text.delta", 1],
      ["response.output_item.done", 1],
      ["response.completed", undefined],
    ]);
    expect(events[2]?.data).toMatchObject({ summary_index: 0, delta: "think" });
    expect(events[4]?.data.item).toMatchObject({
      type: "reasoning",
      summary: [{ type: "summary_text", text: "thinking..." }],
    });
  });

  it("sends an exec_command function call whose arguments are a JSON string", async () => {
    await using model = await ScriptedModel.start();
    model.enqueue(
      reply.execCommand({ cmd: "touch marker", justification: "make a marker", callId: "call_x" }),
    );
    const events = await postEvents(model);
    expect(events.map((event) => event.event)).toEqual([
      "response.created",
      "response.output_item.done",
      "response.completed",
    ]);
    const item = events[1]?.data.item as Record<string, unknown>;
    expect(item).toMatchObject({ type: "function_call", call_id: "call_x", name: "exec_command" });
    expect(JSON.parse(item.arguments as string)).toEqual({
      cmd: "touch marker",
      sandbox_permissions: "require_escalated",
      justification: "make a marker",
    });
  });

  it("serves queued replies first in first out, then the fallback", async () => {
    await using model = await ScriptedModel.start();
    model.enqueue(reply.message("one"), reply.message("two"));
    expect(model.pendingReplies).toBe(2);
    const texts: unknown[] = [];
    for (let index = 0; index < 3; index++) {
      const events = await postEvents(model);
      texts.push(events.find((event) => event.event === "response.output_text.delta")?.data.delta);
    }
    expect(texts).toEqual(["one", "two", "ok"]);
    expect(model.pendingReplies).toBe(0);
  });

  it("serves routed replies to the requests they match, before the queue; reset forgets them", async () => {
    await using model = await ScriptedModel.start();
    model.enqueue(reply.message("queued"));
    model.when("alpha", reply.message("alpha 1"), reply.message("alpha 2"));
    model.when(/^be/, reply.message("beta"));
    model.when((request) => request.userTexts.length === 2, reply.message("two texts"));
    const textOf = async (...texts: string[]) => {
      const events = await postEvents(model, { input: texts.map(userMessage) });
      return events.find((event) => event.event === "response.output_text.delta")?.data.delta;
    };
    expect(await textOf("beta")).toBe("beta");
    expect(await textOf("alpha")).toBe("alpha 1");
    expect(await textOf("first", "second")).toBe("two texts");
    expect(await textOf("alpha")).toBe("alpha 2");
    // Routes used up: the queue, then the fallback.
    expect(await textOf("alpha")).toBe("queued");
    expect(await textOf("beta")).toBe("ok");
    model.when("gamma", reply.message("gamma")).enqueue(reply.message("left over"));
    model.setFallback(reply.message("custom"));
    model.reset();
    expect(model.pendingReplies).toBe(0);
    expect(await textOf("gamma")).toBe("ok");
    expect(() => model.when("x", {} as never)).toThrow(ScriptedModelError);
  });

  it("waitForRequest resolves with a matching request, recorded or still to come", async () => {
    await using model = await ScriptedModel.start();
    await postEvents(model, { input: [userMessage("early")] });
    expect((await model.waitForRequest("early")).lastUserText).toBe("early");
    const later = model.waitForRequest(/^la/);
    await postEvents(model, { input: [userMessage("other")] });
    await postEvents(model, { input: [userMessage("later")] });
    expect((await later).index).toBe(2);
    const never = model.waitForRequest("never");
    await model.close();
    await expect(never).rejects.toMatchObject({ code: "scripted_model_closed" });
  });

  it("answers from a fallback function that sees the request", async () => {
    await using model = await ScriptedModel.start();
    model.setFallback((request) => reply.message(`echo: ${request.lastUserText}`));
    const events = await postEvents(model, { input: [userMessage("ping")] });
    expect(events.find((event) => event.event === "response.output_item.done")?.data.item).toMatchObject({
      content: [{ type: "output_text", text: "echo: ping" }],
    });
  });

  it("records requests with helpers over the input", async () => {
    await using model = await ScriptedModel.start();
    await postEvents(model, {
      model: "mock-model",
      tools: [{ type: "function", name: "exec_command" }],
      input: [
        userMessage("context"),
        userMessage("hi"),
        { type: "function_call", call_id: "c1", name: "exec_command", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: "done" },
      ],
    });
    const [recorded] = model.requests;
    expect(recorded?.index).toBe(0);
    expect(recorded?.path).toBe("/v1/responses");
    expect(recorded?.body.model).toBe("mock-model");
    expect(recorded?.userTexts).toEqual(["context", "hi"]);
    expect(recorded?.lastUserText).toBe("hi");
    expect(recorded?.toolNames).toEqual(["exec_command"]);
    expect(recorded?.functionCalls.map((call) => call.call_id)).toEqual(["c1"]);
    expect(recorded?.functionCallOutputs).toEqual([
      { type: "function_call_output", call_id: "c1", output: "done" },
    ]);
  });

  it("redacts the authorization header of recorded requests", async () => {
    await using model = await ScriptedModel.start();
    const response = await post(model, { input: [] }, { headers: { authorization: "Bearer sk-secret" } });
    await response.text();
    expect(model.requests[0]?.headers.authorization).toBe("[redacted]");
  });

  it("decodes gzip request bodies", async () => {
    await using model = await ScriptedModel.start();
    const response = await fetch(`${model.baseUrl}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify({ input: [userMessage("zipped")] })),
    });
    await response.text();
    expect(model.requests[0]?.lastUserText).toBe("zipped");
  });

  it("answers 404 to other paths and 400 to a body that is not a JSON object, recording neither as a model call", async () => {
    await using model = await ScriptedModel.start();
    const notFound = await fetch(`${model.baseUrl}/models`);
    expect(notFound.status).toBe(404);
    await notFound.text();
    const badBody = await fetch(`${model.baseUrl}/responses`, { method: "POST", body: "[1, 2" });
    expect(badBody.status).toBe(400);
    await badBody.text();
    expect(model.requests).toHaveLength(0);
    expect(model.unmatchedRequests).toEqual([{ method: "GET", path: "/v1/models" }]);
  });

  it("answers an HTTP error for reply.fail", async () => {
    await using model = await ScriptedModel.start();
    model.enqueue(reply.fail({ status: 503, headers: { "retry-after": "0" } }));
    const response = await post(model);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("0");
    expect(await response.json()).toEqual({ error: { message: "scripted failure", type: "server_error" } });
    expect(model.requests).toHaveLength(1);
  });

  it("ends with response.failed for reply.failed", async () => {
    await using model = await ScriptedModel.start();
    model.enqueue(reply.failed({ code: "rate_limit_exceeded", message: "slow down" }));
    const events = await postEvents(model);
    expect(events.map((event) => event.event)).toEqual(["response.created", "response.failed"]);
    expect(events[1]?.data.response).toMatchObject({
      error: { code: "rate_limit_exceeded", message: "slow down" },
    });
  });

  it("holds a gated reply until the gate is released", async () => {
    await using model = await ScriptedModel.start();
    const gate = createGate();
    model.enqueue(reply.slow(reply.message("late"), { gate }));
    const response = await post(model);
    await gate.reached;
    expect(gate.isReleased).toBe(false);
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(parseSse(first).map((event) => event.event)).toEqual(["response.created"]);
    gate.release();
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(parseSse(rest).map((event) => event.event)).toEqual([
      "response.output_item.added",
      "response.output_text.delta",
      "response.output_item.done",
      "response.completed",
    ]);
  });

  it("holds a message between two deltas with a chunk gate", async () => {
    await using model = await ScriptedModel.start();
    const gate = createGate();
    model.enqueue(reply.message("one two three four", { chunks: 4, gates: [{ afterChunk: 2, gate }] }));
    const response = await post(model);
    await gate.reached;
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let before = "";
    while ((before.match(/event: response\.output_text\.delta/g) ?? []).length < 2) {
      before += decoder.decode((await reader.read()).value);
    }
    const held = parseSse(before);
    expect(held.map((event) => event.event)).toEqual([
      "response.created",
      "response.output_item.added",
      "response.output_text.delta",
      "response.output_text.delta",
    ]);
    gate.release();
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      rest += decoder.decode(chunk.value);
    const after = parseSse(rest);
    expect(after.map((event) => event.event)).toEqual([
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_item.done",
      "response.completed",
    ]);
    const deltas = [...held, ...after].filter((e) => e.event === "response.output_text.delta");
    expect(deltas.map((e) => e.data.delta).join("")).toBe("one two three four");
  });

  it("can gate the middle of a stream with reply.waitFor", async () => {
    await using model = await ScriptedModel.start();
    const gate = createGate();
    model.enqueue(reply.sequence(reply.message("first"), reply.waitFor(gate), reply.message("second")));
    const response = await post(model);
    await gate.reached;
    gate.release();
    const events = parseSse(await response.text());
    expect(events.filter((event) => event.event === "response.output_item.done")).toHaveLength(2);
    expect(events.at(-1)?.event).toBe("response.completed");
  });

  it("keeps a hanging stream open and destroys it on close", async () => {
    const model = await ScriptedModel.start();
    model.enqueue(reply.hang());
    const response = await post(model);
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(parseSse(first).map((event) => event.event)).toEqual(["response.created"]);
    expect(model.openStreams).toBe(1);
    const pendingRead = reader.read();
    await model.close();
    await expect(pendingRead).rejects.toThrow();
    expect(model.openStreams).toBe(0);
  });

  it("stops serving a stream when the client disconnects", async () => {
    await using model = await ScriptedModel.start();
    const gate = createGate();
    model.enqueue(reply.slow(reply.message("never sent"), { gate }));
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(`${model.baseUrl}/responses`, { method: "POST" }, (response) => {
        response.once("data", () => {
          request.destroy();
          resolve();
        });
      });
      request.on("error", reject);
      request.end("{}");
    });
    await gate.reached;
    await model.waitForIdle();
    expect(model.openStreams).toBe(0);
    expect(gate.isReleased).toBe(false);
  });

  it("waitForRequests resolves on arrival, and rejects on abort, timeout and close", async () => {
    const model = await ScriptedModel.start();
    const waiting = model.waitForRequests(2);
    await (await post(model)).text();
    await (await post(model)).text();
    expect((await waiting).length).toBe(2);
    await expect(model.waitForRequests(1)).resolves.toHaveLength(2);

    const controller = new AbortController();
    const aborted = model.waitForRequests(3, { signal: controller.signal });
    controller.abort(new Error("stop waiting"));
    await expect(aborted).rejects.toThrow("stop waiting");

    await expect(model.waitForRequests(3, { timeoutMs: 5 })).rejects.toMatchObject({
      code: "scripted_model_timeout",
    });

    const closed = model.waitForRequests(3);
    await model.close();
    await expect(closed).rejects.toBeInstanceOf(ScriptedModelError);
    await expect(model.waitForRequests(3)).rejects.toMatchObject({ code: "scripted_model_closed" });
  });

  it("close is idempotent and disposal closes", async () => {
    let captured: ScriptedModel | undefined;
    {
      await using model = await ScriptedModel.start();
      captured = model;
    }
    expect(captured.closed).toBe(true);
    await captured.close();
    await expect(fetch(`${captured.baseUrl}/responses`, { method: "POST", body: "{}" })).rejects.toThrow();
  });
});

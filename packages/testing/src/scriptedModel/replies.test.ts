import { describe, expect, it } from "vitest";
import { ScriptedModelError } from "./errors.js";
import { createGate } from "./gate.js";
import type { HttpErrorReply, StreamReply } from "./replies.js";
import { reply } from "./replies.js";
import { renderStream, splitIntoChunks } from "./responsesEvents.js";

function eventTypes(stream: StreamReply): string[] {
  let counter = 0;
  return renderStream(stream, (prefix) => `${prefix}_${++counter}`).map((action) =>
    action.kind === "send" ? action.event.type : action.kind,
  );
}

describe("reply builders", () => {
  it("splits text into near-equal chunks by code point, never more chunks than characters", () => {
    expect(splitIntoChunks("Hello there", 3)).toEqual(["Hel", "lo t", "here"]);
    expect(splitIntoChunks("ab", 5)).toEqual(["a", "b"]);
    expect(splitIntoChunks("", 3)).toEqual([""]);
    expect(splitIntoChunks("😀😀", 2)).toEqual(["😀", "😀"]);
  });

  it("rejects chunk counts that are not positive integers and explicit chunks that do not join to the text", () => {
    expect(() => reply.message("hi", { chunks: 0 })).toThrow(ScriptedModelError);
    expect(() => reply.message("hi", { chunks: 1.5 })).toThrow(/positive integer/);
    expect(() => reply.reasoning("hi", { chunks: ["h", "x"] })).toThrow(/join to the text/);
    expect(() => reply.reasoning("hi", { chunks: [] })).toThrow(/non-empty/);
  });

  it("combines parts in order; only the last may hang or fail", () => {
    const combined = reply.sequence(reply.reasoning("r"), reply.execCommand({ cmd: "ls" }));
    expect(eventTypes(combined)).toEqual([
      "response.created",
      "response.output_item.added",
      "response.reasoning_summary_text.delta",
      "response.output_item.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(eventTypes(reply.sequence(reply.message("partial"), reply.hang()))).toEqual([
      "response.created",
      "response.output_item.added",
      "response.output_text.delta",
      "response.output_item.done",
    ]);
    expect(() => reply.sequence(reply.hang(), reply.message("x"))).toThrow(/only the last part/);
    expect(() => reply.sequence()).toThrow(/at least one part/);
    expect(() => reply.sequence(reply.fail() as unknown as StreamReply)).toThrow(/HTTP failure/);
  });

  it("builds HTTP failures with a 4xx or 5xx status only", () => {
    const failure: HttpErrorReply = reply.fail({ status: 429, body: "slow down" });
    expect(failure).toEqual({ kind: "httpError", status: 429, body: "slow down", headers: {} });
    expect(() => reply.fail({ status: 200 })).toThrow(ScriptedModelError);
  });

  it("hang can skip response.created", () => {
    expect(eventTypes(reply.hang({ created: false }))).toEqual([]);
  });

  it("slow puts the gate and the delay after response.created and validates delays", () => {
    const gate = createGate();
    expect(eventTypes(reply.slow(reply.message("x"), { gate, delayMs: 5, eventDelayMs: 1 }))).toEqual([
      "response.created",
      "gate",
      "delay",
      "response.output_item.added",
      "response.output_text.delta",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(reply.slow(reply.message("x"), { eventDelayMs: 3 }).eventDelayMs).toBe(3);
    expect(() => reply.slow(reply.message("x"), { delayMs: -1 })).toThrow(/non-negative/);
    expect(() => reply.slow(reply.fail() as unknown as StreamReply, {})).toThrow(/streamed replies/);
  });

  it("serialises function call arguments given as an object and keeps strings as they are", () => {
    const render = (stream: StreamReply) => {
      const done = renderStream(stream, (prefix) => prefix).find(
        (action) => action.kind === "send" && action.event.type === "response.output_item.done",
      );
      return done?.kind === "send" ? (done.event.item as Record<string, unknown>) : undefined;
    };
    expect(render(reply.functionCall({ name: "view_image", arguments: { path: "a.png" } }))?.arguments).toBe(
      '{"path":"a.png"}',
    );
    expect(render(reply.functionCall({ name: "x", arguments: "raw" }))).toEqual({
      type: "function_call",
      id: "fc",
      call_id: "call",
      name: "x",
      arguments: "raw",
    });
    expect(
      JSON.parse(
        render(reply.execCommand({ cmd: "ls", sandboxPermissions: "use_default", workdir: "/w" }))
          ?.arguments as string,
      ),
    ).toEqual({ cmd: "ls", sandbox_permissions: "use_default", workdir: "/w" });
  });

  it("a chunk gate must fall between two deltas", () => {
    const gate = createGate();
    for (const afterChunk of [0, 3, 1.5]) {
      expect(() => reply.message("a b c", { chunks: 3, gates: [{ afterChunk, gate }] })).toThrow(
        /afterChunk must be 1 to 2/,
      );
    }
    expect(
      eventTypes(reply.reasoning("a b", { chunks: ["a ", "b"], gates: [{ afterChunk: 1, gate }] })),
    ).toEqual([
      "response.created",
      "response.output_item.added",
      "response.reasoning_summary_text.delta",
      "gate",
      "response.reasoning_summary_text.delta",
      "response.output_item.done",
      "response.completed",
    ]);
  });

  it("a gate reports when it is reached and released", async () => {
    const gate = createGate();
    expect(gate.isReached).toBe(false);
    const passing = gate.arrive();
    await gate.reached;
    expect(gate.isReached).toBe(true);
    gate.release();
    gate.release();
    await passing;
    await gate.released;
    expect(gate.isReleased).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { NO_ROUTE, routeOf, routeReadersOf, SERVER_MESSAGE_ROUTES } from "../src/index.js";
import { loadRecording, RECORDINGS, type RecordingName, recordedParams, recordedResult } from "./recorded.js";

const threadId = (recordedResult("thread/start").thread as { id: string }).id;

/** The id of the turn a turn recording started (from its turn/start response). */
function turnIdOf(recording: RecordingName): string | undefined {
  const lines = loadRecording(recording);
  const start = lines.find((line) => line.message.method === "turn/start");
  const response = lines.find((line) => "result" in line.message && line.message.id === start?.message.id);
  return (response?.message.result as { turn?: { id: string } } | undefined)?.turn?.id;
}

describe("routeOf", () => {
  it("reads the thread and turn of every recorded server message", () => {
    let routed = 0;
    for (const recording of RECORDINGS) {
      const turnId = turnIdOf(recording);
      for (const { direction, message } of loadRecording(recording)) {
        if (direction !== "in" || typeof message.method !== "string") continue;
        const route = routeOf(message.method, message.params);
        const where = `${recording} ${message.method}`;
        if (route.threadId !== undefined) {
          routed++;
          expect(route.threadId, where).toBe(threadId);
        }
        if (route.turnId !== undefined) expect(route.turnId, where).toBe(turnId);
        const params = message.params as Record<string, unknown> | undefined;
        // A message that carries a thread id anywhere on its top level must be routed by it.
        if (typeof params?.threadId === "string") expect(route.threadId, where).toBe(params.threadId);
        if (typeof params?.turnId === "string") expect(route.turnId, where).toBe(params.turnId);
        // The readers behind routeOf read the same ids, one at a time.
        const readers = routeReadersOf(message.method);
        expect(readers?.threadId(message.params), where).toBe(route.threadId);
        expect(readers?.turnId(message.params), where).toBe(route.turnId);
      }
    }
    expect(routed).toBeGreaterThan(40);
  });

  it.each([
    ["turn/started", { threadId: "thread", turnId: "turn" }, ["threadId"], ["turn", "id"]],
    ["turn/completed", { threadId: "thread", turnId: "turn" }, ["threadId"], ["turn", "id"]],
    ["thread/started", { threadId: "thread" }, ["thread", "id"], undefined],
    ["item/agentMessage/delta", { threadId: "thread", turnId: "turn" }, ["threadId"], ["turnId"]],
    [
      "item/commandExecution/requestApproval",
      { threadId: "thread", turnId: "turn" },
      ["threadId"],
      ["turnId"],
    ],
    ["serverRequest/resolved", { threadId: "thread" }, ["threadId"], undefined],
    ["execCommandApproval", { threadId: "thread" }, ["conversationId"], undefined],
  ] as const)("routes %s by its generated paths", (method, expected, threadPath, turnPath) => {
    expect(SERVER_MESSAGE_ROUTES.get(method)).toEqual({
      threadId: threadPath,
      ...(turnPath ? { turnId: turnPath } : {}),
    });
    const params: Record<string, unknown> = {};
    const put = (path: readonly string[], value: string) => {
      let target = params;
      for (const key of path.slice(0, -1)) {
        target[key] ??= {};
        target = target[key] as Record<string, unknown>;
      }
      target[path.at(-1)!] = value;
    };
    put(threadPath, "thread");
    if (turnPath) put(turnPath, "turn");
    expect(routeOf(method, params)).toEqual(expected);
  });

  it("returns the shared frozen NO_ROUTE for messages that name no thread or turn", () => {
    expect(Object.isFrozen(NO_ROUTE)).toBe(true);
    expect(routeOf("configWarning", recordedParams("configWarning"))).toBe(NO_ROUTE);
    expect(routeOf("account/rateLimits/updated", recordedParams("account/rateLimits/updated"))).toBe(
      NO_ROUTE,
    );
    expect(routeOf("future/method", { threadId: "t" })).toBe(NO_ROUTE);
    expect(routeReadersOf("future/method")).toBeUndefined();
    expect(routeReadersOf("configWarning")).toBeUndefined();
    expect(SERVER_MESSAGE_ROUTES.has("configWarning")).toBe(false);
  });

  it("ignores params that do not have the shape the schema promises", () => {
    for (const params of [
      undefined,
      null,
      "text",
      3,
      [],
      { threadId: 5 },
      { thread: null },
      { turn: "id" },
    ]) {
      expect(routeOf("turn/started", params)).toBe(NO_ROUTE);
      expect(routeOf("thread/started", params)).toBe(NO_ROUTE);
    }
    expect(routeOf("turn/started", { threadId: "t", turn: { id: 1 } })).toEqual({ threadId: "t" });
    expect(routeOf("turn/started", { threadId: null, turn: { id: "u" } })).toEqual({ turnId: "u" });
    expect(routeReadersOf("thread/started")?.turnId({ thread: { id: "t" }, turnId: "u" })).toBeUndefined();
  });

  it("reads an optional thread id when it is present", () => {
    expect(SERVER_MESSAGE_ROUTES.get("warning")).toEqual({ threadId: ["threadId"] });
    expect(routeOf("warning", recordedParams("warning"))).toEqual({ threadId });
    expect(routeOf("warning", { message: "global", threadId: null })).toBe(NO_ROUTE);
  });
});

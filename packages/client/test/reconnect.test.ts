import type { ThreadItem, Turn } from "@codex-app-server/protocol";
import { step } from "@codex-app-server/testing";
import {
  CodexAbortError,
  CodexConnectionLostError,
  ConnectionClosedError,
} from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import type { ObservedServerRequest, ServerNotification, ServerRequest } from "../src/index.js";
import { CodexInvalidStateError, CodexTurnLostError } from "../src/index.js";
import { answerResumeWith, connectThroughProxy } from "./proxiedFake.js";
import { waitForSnapshot } from "./support.js";
import { agentMessageItem, resumedTurn } from "./threadItems.js";

/**
 * Reconnection over the fake server's websocket, through a TCP proxy the test cuts: the client actor's
 * `reconnecting` state, the turn actor's `detached` state, what happens to requests in flight, and the
 * give-up path. (The real server's side of it, a turn that goes on across the cut, is in
 * realServerReconnect.test.ts.)
 */
describe("reconnecting (fake server)", () => {
  it("goes reconnecting and back to ready; requests sent meanwhile wait for it", async () => {
    await using t = await connectThroughProxy();
    t.proxy.refuse();
    t.proxy.cut();
    const snapshot = await waitForSnapshot(t.client.actor, (s) => s.matches("reconnecting"));
    expect(snapshot.context.reconnectError?.code).toBe("connection_lost");
    const listing = t.client.request("thread/list");
    const controller = new AbortController();
    const abandoned = t.client.request("model/list", {}, { signal: controller.signal });
    controller.abort(new Error("not any more"));
    await expect(abandoned).rejects.toBeInstanceOf(CodexAbortError);
    const attempts = t.proxy.connectionCount;
    await t.proxy.waitForConnections(attempts + 2); // two refused attempts: the backoff goes on
    expect(t.client.state).toBe("reconnecting");
    t.proxy.accept();
    await expect(listing).resolves.toHaveProperty("data");
    expect(t.client.state).toBe("ready");
    expect(t.client.actor.getSnapshot().context.reconnectAttempt).toBe(0);
    expect(t.fake.requests("initialize")).toHaveLength(2);
    expect(t.errors).toEqual([]);
  });

  it("a request in flight fails with CodexConnectionLostError; a read in flight is sent again", async () => {
    await using t = await connectThroughProxy();
    const thread = await t.client.startThread();
    // The first of each is never answered on the connection the test cuts.
    t.fake.on("thread/name/set", (_params, call) => (call === 0 ? new Promise<never>(() => {}) : {}));
    t.fake.on("model/list", (_params, call) =>
      call === 0 ? new Promise<never>(() => {}) : { data: [], nextCursor: null },
    );
    const naming = t.client.setThreadName(thread.id, "named").catch((error: unknown) => error);
    const listing = t.client.request("model/list");
    await Promise.all([t.fake.waitForRequest("thread/name/set"), t.fake.waitForRequest("model/list")]);
    t.proxy.cut();
    const error = await naming;
    expect(error).toBeInstanceOf(CodexConnectionLostError);
    expect((error as CodexConnectionLostError).code).toBe("connection_lost");
    expect((error as CodexConnectionLostError).method).toBe("thread/name/set");
    await expect(listing).resolves.toEqual({ data: [], nextCursor: null });
    expect(t.fake.requests("model/list")).toHaveLength(2);
    expect(t.fake.requests("thread/name/set")).toHaveLength(1);
  });

  it("an interrupt or a steer in flight when the connection drops fails with a typed error", async () => {
    await using t = await connectThroughProxy({
      turns: [
        [step.message("partial"), step.hang()],
        [step.message("partial"), step.hang()],
      ],
    });
    const [steered, interrupted] = await Promise.all([
      t.client.startThread().then((thread) => thread.turn("steered")),
      t.client.startThread().then((thread) => thread.turn("interrupted")),
    ]);
    for (const turn of [steered, interrupted])
      await waitForSnapshot(turn.actor, (s) => s.matches("streaming"));
    t.fake.on("turn/steer", () => new Promise<never>(() => {}));
    t.fake.on("turn/interrupt", () => new Promise<never>(() => {}));
    const steering = steered.steer("more").catch((e: unknown) => e);
    const interrupting = interrupted.interrupt().catch((e: unknown) => e);
    await Promise.all([t.fake.waitForRequest("turn/steer"), t.fake.waitForRequest("turn/interrupt")]);
    t.proxy.refuse();
    t.proxy.cut();
    const steerError = await steering;
    expect(steerError).toBeInstanceOf(CodexConnectionLostError);
    expect((steerError as CodexConnectionLostError).method).toBe("turn/steer");
    const interruptError = await interrupting;
    expect(interruptError).toBeInstanceOf(CodexInvalidStateError);
    expect((interruptError as Error).message).toMatch(/is detached.*the connection dropped/);
    expect([steered.state, interrupted.state]).toEqual(["detached", "detached"]);
    t.proxy.accept();
  });

  it("a running turn goes detached, then goes on from the resumed thread: missed items delivered, none repeated", async () => {
    await using t = await connectThroughProxy({
      turns: [[step.message("Hello there", { chunks: ["Hel", "lo there"] }), step.hang()]],
    });
    const thread = await t.client.startThread();
    const turn = await thread.turn("hi");
    const seen: ServerNotification[] = [];
    const reading = (async () => {
      for await (const n of turn.events()) {
        seen.push(n);
        if (n.method === "item/completed" && n.params.item.type === "agentMessage" && seen.length > 0) break;
      }
    })();
    await reading;
    const first = seen.find((n) => n.method === "item/completed" && n.params.item.type === "agentMessage");
    if (first?.method !== "item/completed") throw new Error("no message");
    // What the server will have when the client resumes: the turn ended with a second message meanwhile.
    const second = agentMessageItem("msg-while-detached", "And more.");
    answerResumeWith(t.fake, thread.id, [resumedTurn(turn.turnId, [first.params.item, second], "completed")]);

    t.proxy.refuse();
    t.proxy.cut();
    await waitForSnapshot(turn.actor, (s) => s.matches("detached"));
    expect(turn.actor.getSnapshot().context.detachedBecause).toMatch(/connection dropped/);
    await expect(turn.steer("more")).rejects.toThrow(/is detached/);
    t.proxy.accept();
    const text: string[] = [];
    for await (const n of turn.events()) {
      if (n.method === "item/agentMessage/delta") text.push(n.params.delta);
      seen.push(n);
    }
    const result = await turn.result();
    expect(result.status).toBe("completed");
    expect(text).toEqual(["And more."]);
    expect(result.items.map((i) => i.id).filter((id) => id === first.params.item.id)).toHaveLength(1);
    expect(result.finalResponse).toBe("And more.");
    expect(seen.filter((n) => n.method === "item/started").map((n) => n.params.item.id)).toContain(
      "msg-while-detached",
    );
    expect(t.client.state).toBe("ready");
  });

  it("a request pending across the cut that the server never asks again is withdrawn when its item completes", async () => {
    let late!: (answer: unknown) => void;
    const asked: ServerRequest[] = [];
    await using t = await connectThroughProxy(
      { turns: [[step.exec("rm -rf build", { approval: {} }), step.hang()]] },
      {
        onServerRequest: (request) => {
          asked.push(request);
          return new Promise((resolve) => {
            late = resolve;
          });
        },
      },
    );
    const thread = await t.client.startThread();
    const watcher = t.client.approvalRequests();
    const turn = await thread.turn("clean up");
    const observed = (await watcher.next()).value as ObservedServerRequest;
    await watcher.return?.();
    // Asked before the client read turn/start's answer: still the turn's child.
    const approvalId = t.fake.sent.find((m) => "method" in m && "id" in m)?.id;
    expect(turn.awaitingRequest).toBe(true);
    expect(Object.keys(turn.actor.getSnapshot().children)).toEqual([`request:${approvalId}`]);
    const started = t.fake.sent.find(
      (m) =>
        "method" in m &&
        m.method === "item/started" &&
        (m.params as { item: ThreadItem }).item.type === "commandExecution",
    ) as { params: { item: ThreadItem } };
    // The resumed thread still runs the turn, and the command has not completed: the request waits.
    const running = { id: turn.turnId, items: [], status: "inProgress", error: null } as unknown as Turn;
    answerResumeWith(t.fake, thread.id, [running]);

    t.proxy.refuse();
    t.proxy.cut();
    await waitForSnapshot(turn.actor, (s) => s.matches("detached"));
    t.proxy.accept();
    await waitForSnapshot(t.client.actor, (s) => s.matches("ready"));
    await waitForSnapshot(turn.actor, (s) => s.matches("streaming"));
    expect(turn.awaitingRequest).toBe(true);

    // The server never asks again; the command's item completes (the server gave up on it).
    await t.fake.notify("item/completed", {
      threadId: thread.id,
      turnId: turn.turnId,
      item: { ...started.params.item, status: "declined" } as ThreadItem,
      completedAtMs: 0,
    } as never);
    expect(await observed.outcome).toMatchObject({
      state: "withdrawn",
      reason: "its item completed without the server asking again",
    });
    expect(turn.awaitingRequest).toBe(false);
    // The handler answers late: nothing is sent for a withdrawn request.
    late((asked[0] as ServerRequest & { accept(): unknown }).accept());
    await t.fake.notify("turn/completed", {
      threadId: thread.id,
      turn: { ...running, status: "completed" },
    } as never);
    expect((await turn.result()).status).toBe("completed");
    expect(t.fake.received.filter((m) => "id" in m && m.id === approvalId && !("method" in m))).toEqual([]);
    expect(asked).toHaveLength(1);
  });

  it("a resume that fails is another attempt, on a new connection: the turn goes on", async () => {
    await using t = await connectThroughProxy({ turns: [[step.message("partial"), step.hang()]] });
    const thread = await t.client.startThread();
    const turn = await thread.turn("hi");
    await waitForSnapshot(turn.actor, (s) => s.matches("streaming"));
    answerResumeWith(t.fake, thread.id, [resumedTurn(turn.turnId, [], "inProgress")], { failFirst: true });
    const connections = t.proxy.connectionCount;
    t.proxy.cut();
    await waitForSnapshot(t.client.actor, (s) => s.matches("reconnecting"));
    await waitForSnapshot(t.client.actor, (s) => s.matches("ready"));
    expect(t.proxy.connectionCount).toBe(connections + 2);
    expect(t.fake.requests("thread/resume")).toHaveLength(2);
    expect(t.fake.requests("initialize")).toHaveLength(3);
    expect(turn.state).toBe("streaming");
    expect(t.errors).toEqual([]);
    await turn.interrupt().catch(() => undefined);
  });

  it("a turn the resumed thread does not have fails with CodexTurnLostError", async () => {
    await using t = await connectThroughProxy({ turns: [[step.message("partial"), step.hang()]] });
    const thread = await t.client.startThread();
    const turn = await thread.turn("hi");
    await t.fake.waitForRequest("turn/start");
    await waitForSnapshot(turn.actor, (s) => s.matches("streaming"));
    t.proxy.cut();
    const error = await turn.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexTurnLostError);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as CodexTurnLostError).code).toBe("turn_lost");
    expect(turn.state).toBe("failed");
    await waitForSnapshot(t.client.actor, (s) => s.matches("ready"));
    expect(t.client.knownThreads.get(thread.id)?.state).toBe("idle");
  });

  it("gives up after maxAttempts: the client is failed and every turn fails with the cause", async () => {
    await using t = await connectThroughProxy(
      { turns: [[step.message("partial"), step.hang()]] },
      { reconnect: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 } },
    );
    const thread = await t.client.startThread();
    const turn = await thread.turn("hi");
    await waitForSnapshot(turn.actor, (s) => s.matches("streaming"));
    t.proxy.refuse();
    t.proxy.cut();
    const error = await turn.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toMatch(/3 reconnection attempts failed/);
    const snapshot = await waitForSnapshot(t.client.actor, (s) => s.status === "done");
    expect(snapshot.value).toBe("failed");
    expect(snapshot.context.failure?.code).toBe("reconnect_failed");
    expect(turn.state).toBe("failed");
    await expect(t.client.request("thread/list")).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it("reconnect: false: a dropped connection fails the client and its turns, as on any close", async () => {
    await using t = await connectThroughProxy(
      { turns: [[step.message("partial"), step.hang()]] },
      { reconnect: false },
    );
    const thread = await t.client.startThread();
    const turn = await thread.turn("hi");
    await waitForSnapshot(turn.actor, (s) => s.matches("streaming"));
    t.proxy.cut();
    await expect(turn.result()).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(t.proxy.connectionCount).toBe(1);
    expect(t.client.state).toBe("failed");
  });
});

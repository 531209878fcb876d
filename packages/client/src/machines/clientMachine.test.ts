import type { InitializeResponse } from "@codex-app-server/protocol";
import { describe, expect, it } from "vitest";
import type { AnyActorRef, InspectionEvent } from "xstate";
import { createActor, fromPromise } from "xstate";
import { clientMachine } from "./clientMachine.js";

const response = { userAgent: "codex/0.169.0", platformOs: "linux" } as InitializeResponse;

function client(
  options: {
    inspect?: (event: InspectionEvent) => void;
    initialize?: () => Promise<InitializeResponse>;
    openTransport?: () => Promise<void>;
  } = {},
) {
  const machine = clientMachine.provide({
    actors: {
      openTransport: fromPromise(options.openTransport ?? (async () => {})),
      initialize: fromPromise(options.initialize ?? (async () => response)),
    },
  });
  const actor = createActor(machine, {
    input: { transport: "memory" },
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  actor.start();
  return actor;
}

const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("clientMachine", () => {
  it("waits idle, then connects and initializes through its invoked actors", async () => {
    const actor = client();
    expect(actor.getSnapshot().value).toBe("idle");
    actor.send({ type: "connect" });
    expect(actor.getSnapshot().value).toBe("connecting");
    await settled();
    expect(actor.getSnapshot().value).toBe("ready");
    expect(actor.getSnapshot().context.serverInfo).toEqual({
      userAgent: "codex/0.169.0",
      platformOs: "linux",
    });
    actor.send({ type: "close" });
    expect(actor.getSnapshot().value).toBe("closing");
    actor.send({ type: "transport.closed", reason: "closed by client", failed: false });
    expect(actor.getSnapshot().value).toBe("closed");
  });

  it("fails when the transport cannot start, when initialize fails, or when the transport dies", async () => {
    const a = client({
      openTransport: async () => {
        throw Object.assign(new Error("spawn codex ENOENT"), { code: "spawn_failed" });
      },
    });
    a.send({ type: "connect" });
    await settled();
    expect(a.getSnapshot().value).toBe("failed");
    expect(a.getSnapshot().context.failure).toEqual({ code: "spawn_failed", message: "spawn codex ENOENT" });

    const b = client({
      initialize: async () => {
        throw Object.assign(new Error("bad"), { code: -32600 });
      },
    });
    b.send({ type: "connect" });
    await settled();
    expect(b.getSnapshot().value).toBe("failed");
    expect(b.getSnapshot().context.failure).toEqual({ code: -32600, message: "bad" });

    const c = client();
    c.send({ type: "connect" });
    await settled();
    c.send({ type: "transport.closed", reason: "process exited with code 9", failed: true });
    expect(c.getSnapshot().value).toBe("failed");
    expect(c.getSnapshot().context.closeReason).toBe("process exited with code 9");
  });

  it("spawns thread children whose turns are their own children, all seen by one inspector", () => {
    const seen = new Set<string>();
    const actor = client({
      inspect: (event) => {
        if (event.type === "@xstate.actor") seen.add((event.actorRef as AnyActorRef).id);
      },
    });
    actor.send({ type: "spawn.thread", threadId: "T1", origin: "start" });
    const thread = actor.getSnapshot().children["thread:T1"] as AnyActorRef;
    thread.send({ type: "thread.ready" });
    thread.send({ type: "turn.requested" });
    thread.send({ type: "turn.began", turnId: "U1" });
    expect(Object.keys(actor.getSnapshot().children)).toEqual(["thread:T1"]);
    expect(Object.keys(thread.getSnapshot().children)).toEqual(["turn:U1"]);
    expect([...seen].filter((id) => id !== actor.id).sort()).toEqual(["thread:T1", "turn:U1"]);
    actor.send({ type: "stop.child", id: "thread:T1" });
    expect(actor.getSnapshot().children).toEqual({});
  });

  it("keeps a server request that belongs to no turn as its own child", () => {
    const actor = client();
    actor.send({
      type: "request.opened",
      request: { id: 7, method: "mcpServer/elicitation/request", params: {}, threadId: null, turnId: null },
    });
    expect(Object.keys(actor.getSnapshot().children)).toEqual(["request:7"]);
  });
});

import { describe, expect, it } from "vitest";
import type { AnyActorRef, InspectionEvent } from "xstate";
import { createActor } from "xstate";
import { clientMachine } from "./clientMachine.js";

function client(inspect?: (event: InspectionEvent) => void) {
  const actor = createActor(clientMachine, {
    input: { transport: "memory" },
    ...(inspect ? { inspect } : {}),
  });
  actor.start();
  return actor;
}

describe("clientMachine", () => {
  it("goes connecting → initializing → ready → closing → closed", () => {
    const actor = client();
    expect(actor.getSnapshot().value).toBe("connecting");
    actor.send({ type: "transport.started" });
    expect(actor.getSnapshot().value).toBe("initializing");
    actor.send({ type: "initialize.done", userAgent: "codex/0.169.0", platformOs: "linux" });
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

  it("fails when initialize fails or the transport dies", () => {
    const a = client();
    a.send({ type: "transport.started" });
    a.send({ type: "initialize.failed", code: -32600, message: "bad" });
    expect(a.getSnapshot().value).toBe("failed");
    expect(a.getSnapshot().context.failure).toEqual({ code: -32600, message: "bad" });

    const b = client();
    b.send({ type: "transport.started" });
    b.send({ type: "initialize.done", userAgent: "x", platformOs: "linux" });
    b.send({ type: "transport.closed", reason: "process exited with code 9", failed: true });
    expect(b.getSnapshot().value).toBe("failed");
    expect(b.getSnapshot().context.closeReason).toBe("process exited with code 9");
  });

  it("spawns thread and turn children with ids, seen by one inspector", () => {
    const seen = new Set<string>();
    const actor = client((event) => {
      if (event.type === "@xstate.actor") seen.add((event.actorRef as AnyActorRef).id);
    });
    actor.send({ type: "spawn.thread", threadId: "T1", origin: "start" });
    actor.send({ type: "spawn.turn", threadId: "T1", turnId: "U1" });
    const children = actor.getSnapshot().children;
    expect(Object.keys(children).sort()).toEqual(["thread:T1", "turn:U1"]);
    expect(seen.has("thread:T1")).toBe(true);
    expect(seen.has("turn:U1")).toBe(true);
    actor.send({ type: "stop.child", id: "turn:U1" });
    expect(Object.keys(actor.getSnapshot().children)).toEqual(["thread:T1"]);
  });
});

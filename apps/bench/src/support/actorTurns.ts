import { clientMachine } from "@codex-app-server/client";
import type { AnyActorRef } from "xstate";
import { createActor, enqueueActions, setup } from "xstate";
import { cpuClock } from "./cpuClock.js";
import type { TurnsSample } from "./turnSessions.js";

/**
 * The actor share of a turn, without I/O: the events one `thread.turn()` + `turn.result()` sends its
 * machines, sent straight to them in this process. `sdk`: the client's own `clientMachine` tree
 * (thread `turn.requested`, `turn.began` spawning `turn:<id>`, turn `turn.started` and
 * `turn.completed`, whose final state ends the turn on the thread; inactivity timers on). `floor`:
 * the least XState can do for an actor per turn: a thread and a turn machine with no context, guards
 * or timers, the same four events, one spawn and one stop. What a turn costs beyond these is the
 * message path.
 */
export type ActorTurnsKind = "sdk" | "floor";

const floorTurn = setup({}).createMachine({
  id: "turn",
  initial: "starting",
  states: {
    starting: { on: { "turn.started": "streaming" } },
    streaming: { on: { "turn.completed": "completed" } },
    completed: { type: "final" },
  },
});

const floorThread = setup({
  types: { context: {} as { activeTurnId: string | null } },
  actors: { turn: floorTurn },
}).createMachine({
  id: "thread",
  context: { activeTurnId: null },
  initial: "idle",
  states: {
    idle: { on: { "turn.requested": "starting" } },
    starting: {
      on: {
        "turn.began": {
          target: "running",
          actions: enqueueActions(({ event, enqueue }) => {
            const turnId = (event as { turnId?: string }).turnId ?? "";
            enqueue.spawnChild("turn", { id: `turn:${turnId}` });
            enqueue.assign({ activeTurnId: turnId });
          }),
        },
      },
    },
    running: {
      on: {
        "xstate.done.actor.*": {
          target: "idle",
          actions: enqueueActions(({ context, enqueue }) => {
            enqueue.stopChild(`turn:${context.activeTurnId}`);
            enqueue.assign({ activeTurnId: null });
          }),
        },
      },
    },
  },
});

function threadActor(kind: ActorTurnsKind): { thread: AnyActorRef; stop: () => void } {
  if (kind === "floor") {
    const thread = createActor(floorThread).start();
    return { thread, stop: () => thread.stop() };
  }
  const root = createActor(clientMachine, { input: { transport: "bench" } }).start();
  root.send({ type: "spawn.thread", threadId: "thread", origin: "start" });
  const thread = root.getSnapshot().children["thread:thread"] as AnyActorRef;
  thread.send({ type: "thread.ready" });
  return { thread, stop: () => root.stop() };
}

/** Runs `turns` turns' events through a fresh actor tree; CPU and wall time over them. */
export function actorTurns(kind: ActorTurnsKind, turns: number): TurnsSample {
  const { thread, stop } = threadActor(kind);
  const cpu = cpuClock();
  const start = performance.now();
  try {
    for (let i = 0; i < turns; i++) {
      const turnId = `turn-${i}`;
      thread.send({ type: "turn.requested" });
      thread.send({ type: "turn.began", turnId, inactivityTimeoutMs: 180_000, interruptTimeoutMs: null });
      const turn = thread.getSnapshot().children[`turn:${turnId}`] as AnyActorRef;
      turn.send({ type: "turn.started", activeTurnId: turnId });
      turn.send({ type: "turn.completed", status: "completed", error: null });
      if (turn.getSnapshot().status !== "done" || thread.getSnapshot().value !== "idle") {
        throw new Error(`${kind} actors: turn ${i} did not end, or its thread is not idle`);
      }
    }
    return { cpuMs: cpu(), wallMs: performance.now() - start, turns };
  } finally {
    stop();
  }
}

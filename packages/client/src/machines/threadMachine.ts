import type { AnyActorLogic } from "xstate";
import { assign, enqueueActions, setup } from "xstate";
import type { TurnKind } from "../turnTypes.js";
import { turnMachine } from "./turnMachine.js";

/** Finished turn actors a thread keeps as children (for the inspector and late readers); older ones stop. */
export const FINISHED_TURNS_KEPT = 4;

export interface ThreadContext {
  threadId: string;
  origin: ThreadMachineInput["origin"];
  activeTurnId: string | null;
  /** What the running (or starting) turn is: a turn, a compaction or a review; `null` when idle. */
  activeTurnKind: TurnKind | null;
  turnCount: number;
  /** Ids of finished turns whose actors are still children of this thread, oldest first. */
  finishedTurnIds: string[];
  closeReason: string | null;
}

export interface ThreadMachineInput {
  threadId: string;
  origin: "start" | "resume" | "fork" | "attach";
}

export type ThreadEvent =
  | { type: "thread.ready" }
  /** A turn is being asked for (`kind` defaults to `turn`). */
  | { type: "turn.requested"; kind?: TurnKind }
  | { type: "turn.startFailed" }
  | {
      type: "turn.began";
      turnId: string;
      inactivityTimeoutMs?: number | null;
      interruptTimeoutMs?: number | null;
    }
  | { type: "archived" }
  | { type: "unarchived" }
  | { type: "closed"; reason: string }
  /** The client let the thread go (`thread/unsubscribe`): the actor ends. */
  | { type: "release" }
  /** A turn actor reached its final state (sent by XState to its parent). */
  | { type: `xstate.done.actor.turn:${string}`; actorId?: string; output?: unknown };

/**
 * One thread. Its turns are its children (`turn:<id>`), spawned when `turn/start` answers; the thread
 * is idle again when its running turn's actor reaches a final state; the last
 * {@link FINISHED_TURNS_KEPT} finished ones stay. `starting`/`resuming` until the client has the server's answer and has replayed what
 * arrived early; `idle`: ready for a turn; `running` (`startingTurn` while `turn/start` is in flight,
 * then `turnActive`): one turn at a time, since `turn/start` on a busy thread would add input to the
 * running turn instead (and the server refuses it during a compaction or a review, which
 * `activeTurnKind` tells apart: a turn asked for then waits for the thread); `archived`; `closed`
 * (final).
 */
export const threadMachine = setup({
  types: {
    context: {} as ThreadContext,
    input: {} as ThreadMachineInput,
    events: {} as ThreadEvent,
  },
  actors: {
    turn: turnMachine as AnyActorLogic as typeof turnMachine,
  },
  guards: {
    isResumed: ({ context }) => context.origin === "resume" || context.origin === "attach",
    /** The child that reached its final state is the running turn (not a finished one, nor a compaction's). */
    isActiveTurn: ({ context, event }) =>
      (event as { actorId?: string }).actorId === `turn:${context.activeTurnId}`,
  },
  actions: {
    beginTurn: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "turn.began") return;
      enqueue.spawnChild("turn", {
        id: `turn:${event.turnId}`,
        input: {
          threadId: context.threadId,
          turnId: event.turnId,
          inactivityTimeoutMs: event.inactivityTimeoutMs ?? null,
          interruptTimeoutMs: event.interruptTimeoutMs ?? null,
        },
      });
      enqueue.assign({ activeTurnId: event.turnId, turnCount: context.turnCount + 1 });
    }),
    endTurn: enqueueActions(({ context, enqueue }) => {
      if (context.activeTurnId === null) return;
      const kept = [...context.finishedTurnIds, context.activeTurnId];
      while (kept.length > FINISHED_TURNS_KEPT) enqueue.stopChild(`turn:${kept.shift()}`);
      enqueue.assign({ activeTurnId: null, activeTurnKind: null, finishedTurnIds: kept });
    }),
    recordKind: assign({
      activeTurnKind: ({ event }) => (event.type === "turn.requested" ? (event.kind ?? "turn") : null),
    }),
    clearKind: assign({ activeTurnKind: () => null }),
    recordClose: assign({
      closeReason: ({ event }) => (event.type === "closed" ? event.reason : null),
      activeTurnId: () => null,
      activeTurnKind: () => null,
    }),
  },
}).createMachine({
  id: "thread",
  context: ({ input }) => ({
    threadId: input.threadId,
    origin: input.origin,
    activeTurnId: null,
    activeTurnKind: null,
    turnCount: 0,
    finishedTurnIds: [],
    closeReason: null,
  }),
  initial: "opening",
  on: {
    closed: { target: ".closed", actions: "recordClose" },
  },
  states: {
    opening: {
      always: [{ guard: "isResumed", target: "resuming" }, { target: "starting" }],
    },
    starting: { on: { "thread.ready": "idle" } },
    resuming: { on: { "thread.ready": "idle" } },
    idle: {
      on: {
        "turn.requested": { target: "running", actions: "recordKind" },
        archived: "archived",
        release: "released",
      },
    },
    running: {
      initial: "startingTurn",
      states: {
        startingTurn: {
          on: {
            "turn.began": { target: "turnActive", actions: "beginTurn" },
            "turn.startFailed": { target: "#thread.idle", actions: "clearKind" },
          },
        },
        turnActive: {
          on: {
            // The turn actor reached completed, interrupted or failed: no separate event is sent.
            "xstate.done.actor.*": { guard: "isActiveTurn", target: "#thread.idle", actions: "endTurn" },
          },
        },
      },
    },
    archived: { on: { unarchived: "idle", release: "released" } },
    closed: { type: "final" },
    released: { type: "final" },
  },
});

export type ThreadMachine = typeof threadMachine;

import { assign, setup } from "xstate";

export interface ThreadContext {
  threadId: string;
  origin: ThreadMachineInput["origin"];
  activeTurnId: string | null;
  /** The server's last reported status type: idle, active, notLoaded, systemError. */
  serverStatus: string | null;
  turnCount: number;
  closeReason: string | null;
}

export interface ThreadMachineInput {
  threadId: string;
  origin: "start" | "resume" | "fork" | "attach";
}

export type ThreadEvent =
  | { type: "thread.ready" }
  | { type: "turn.requested" }
  | { type: "turn.startFailed" }
  | { type: "turn.began"; turnId: string }
  | { type: "turn.ended"; turnId: string }
  | { type: "server.status"; status: string }
  | { type: "archived" }
  | { type: "unarchived" }
  | { type: "closed"; reason: string };

/**
 * One thread. `starting`/`resuming` until the client has the server's answer and has replayed what
 * arrived early; `idle`: ready for a turn; `running` (`startingTurn` while `turn/start` is in flight,
 * then `turnActive`): one turn at a time, since `turn/start` on a busy thread would add input to the
 * running turn instead; `archived`; `closed` (final).
 */
export const threadMachine = setup({
  types: {
    context: {} as ThreadContext,
    input: {} as ThreadMachineInput,
    events: {} as ThreadEvent,
  },
  guards: {
    isResumed: ({ context }) => context.origin === "resume" || context.origin === "attach",
    isActiveTurn: ({ context, event }) =>
      event.type === "turn.ended" && event.turnId === context.activeTurnId,
  },
  actions: {
    setActiveTurn: assign({
      activeTurnId: ({ event }) => (event.type === "turn.began" ? event.turnId : null),
      turnCount: ({ context }) => context.turnCount + 1,
    }),
    clearActiveTurn: assign({ activeTurnId: () => null }),
    recordStatus: assign({
      serverStatus: ({ context, event }) =>
        event.type === "server.status" ? event.status : context.serverStatus,
    }),
    recordClose: assign({
      closeReason: ({ event }) => (event.type === "closed" ? event.reason : null),
      activeTurnId: () => null,
    }),
  },
}).createMachine({
  id: "thread",
  context: ({ input }) => ({
    threadId: input.threadId,
    origin: input.origin,
    activeTurnId: null,
    serverStatus: null,
    turnCount: 0,
    closeReason: null,
  }),
  initial: "opening",
  on: {
    "server.status": { actions: "recordStatus" },
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
        "turn.requested": "running",
        archived: "archived",
      },
    },
    running: {
      initial: "startingTurn",
      states: {
        startingTurn: {
          on: {
            "turn.began": { target: "turnActive", actions: "setActiveTurn" },
            "turn.startFailed": "#thread.idle",
          },
        },
        turnActive: {
          on: {
            "turn.ended": { guard: "isActiveTurn", target: "#thread.idle", actions: "clearActiveTurn" },
          },
        },
      },
    },
    archived: { on: { unarchived: "idle" } },
    closed: { type: "final" },
  },
});

export type ThreadMachine = typeof threadMachine;

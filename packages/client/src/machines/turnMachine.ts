import type { TurnError } from "@codex-app-server/protocol";
import { assign, fromPromise, setup } from "xstate";

/** Serializable context of a turn actor. */
export interface TurnContext {
  threadId: string;
  turnId: string;
  /** Ids (as strings) of server requests (approvals, questions) waiting for an answer. */
  pendingRequests: string[];
  steerCount: number;
  /** The turn's error when it failed or was interrupted with one. */
  error: TurnError | null;
  /** Why the turn failed on our side (transport death), when it did. */
  failure: { code: string | number; message: string } | null;
  /** Why the last `turn/interrupt` failed, when it did (the turn then goes back to streaming). */
  interruptError: string | null;
}

export interface TurnMachineInput {
  threadId: string;
  turnId: string;
}

export type TurnEvent =
  | { type: "turn.started" }
  | {
      type: "turn.completed";
      status: "completed" | "interrupted" | "failed" | "inProgress";
      error: TurnError | null;
    }
  | { type: "inactivity.timeout" }
  | { type: "resume" }
  | { type: "steer" }
  | { type: "interrupt" }
  | { type: "request.opened"; requestId: string }
  | { type: "request.closed"; requestId: string }
  | { type: "transport.failed"; code: string | number; message: string };

/**
 * One turn. `starting`: the server accepted `turn/start`, `turn/started` not seen yet.
 * `streaming` (`receiving` or `awaitingRequest` while an approval or question is open): events flow;
 * steering is accepted only here. `inactive`: nothing arrived for the inactivity timeout; only a
 * continuation (`resume`) or a cancel (`interrupt`) leaves it. `interrupting`: `turn/interrupt` sent,
 * waiting for `turn/completed`. Final: `completed`, `interrupted`, `failed`.
 */
export const turnMachine = setup({
  types: {
    context: {} as TurnContext,
    input: {} as TurnMachineInput,
    events: {} as TurnEvent,
  },
  actors: {
    interruptTurn: fromPromise<unknown, { threadId: string; turnId: string }>(async () => {
      throw new Error("interruptTurn is provided by the client");
    }),
  },
  guards: {
    hasOpenRequests: ({ context }) => context.pendingRequests.length > 0,
    endedCompleted: ({ event }) => event.type === "turn.completed" && event.status === "completed",
    endedInterrupted: ({ event }) => event.type === "turn.completed" && event.status === "interrupted",
    stillInProgress: ({ event }) => event.type === "turn.completed" && event.status === "inProgress",
  },
  actions: {
    openRequest: assign({
      pendingRequests: ({ context, event }) =>
        event.type === "request.opened" && !context.pendingRequests.includes(event.requestId)
          ? [...context.pendingRequests, event.requestId]
          : context.pendingRequests,
    }),
    closeRequest: assign({
      pendingRequests: ({ context, event }) =>
        event.type === "request.closed"
          ? context.pendingRequests.filter((id) => id !== event.requestId)
          : context.pendingRequests,
    }),
    countSteer: assign({ steerCount: ({ context }) => context.steerCount + 1 }),
    recordEnd: assign({
      error: ({ event }) => (event.type === "turn.completed" ? event.error : null),
      pendingRequests: () => [],
    }),
    clearInterruptError: assign({ interruptError: () => null }),
    recordInterruptError: assign({
      interruptError: ({ event }) => {
        const error = (event as { error?: unknown }).error;
        return error instanceof Error ? error.message : String(error);
      },
    }),
    recordFailure: assign({
      failure: ({ event }) =>
        event.type === "transport.failed" ? { code: event.code, message: event.message } : null,
      pendingRequests: () => [],
    }),
  },
}).createMachine({
  id: "turn",
  context: ({ input }) => ({
    threadId: input.threadId,
    turnId: input.turnId,
    pendingRequests: [],
    steerCount: 0,
    error: null,
    failure: null,
    interruptError: null,
  }),
  initial: "starting",
  on: {
    "turn.completed": [
      { guard: "stillInProgress" },
      { guard: "endedCompleted", target: ".completed", actions: "recordEnd" },
      { guard: "endedInterrupted", target: ".interrupted", actions: "recordEnd" },
      { target: ".failed", actions: "recordEnd" },
    ],
    "transport.failed": { target: ".failed", actions: "recordFailure" },
    "request.opened": { actions: "openRequest" },
    "request.closed": { actions: "closeRequest" },
  },
  states: {
    starting: {
      on: {
        "turn.started": "streaming",
        "inactivity.timeout": "inactive",
        interrupt: "interrupting",
      },
    },
    streaming: {
      initial: "receiving",
      on: {
        steer: { actions: "countSteer" },
        interrupt: "interrupting",
        "request.opened": { target: ".awaitingRequest", actions: "openRequest" },
        "request.closed": { target: ".receiving", actions: "closeRequest" },
      },
      states: {
        receiving: {
          always: { guard: "hasOpenRequests", target: "awaitingRequest" },
          on: { "inactivity.timeout": "#turn.inactive" },
        },
        awaitingRequest: {
          always: { guard: ({ context }) => context.pendingRequests.length === 0, target: "receiving" },
        },
      },
    },
    inactive: {
      on: {
        resume: "streaming",
        interrupt: "interrupting",
      },
    },
    interrupting: {
      entry: "clearInterruptError",
      invoke: {
        src: "interruptTurn",
        input: ({ context }) => ({ threadId: context.threadId, turnId: context.turnId }),
        onError: { target: "streaming", actions: "recordInterruptError" },
      },
    },
    completed: { type: "final" },
    interrupted: { type: "final" },
    failed: { type: "final" },
  },
});

export type TurnMachine = typeof turnMachine;
/** The machine's top-level state names. */
export type TurnStateName =
  | "starting"
  | "streaming"
  | "inactive"
  | "interrupting"
  | "completed"
  | "interrupted"
  | "failed";

import type { TurnError, TurnSteerResponse, UserInput } from "@codex-app-server/protocol";
import type { ActorRefFrom, AnyActorLogic } from "xstate";
import { assign, emit, enqueueActions, fromPromise, setup } from "xstate";
import type { RequestMachineInput } from "./requestMachine.js";
import { requestMachine } from "./requestMachine.js";
import type { SteerRequest } from "./steerActor.js";
import { steerActor } from "./steerActor.js";

/** The longest delay a timer can have (setTimeout's limit); a disabled timeout is guarded off. */
const MAX_DELAY_MS = 2_147_483_647;
/** How soon a `turn/interrupt` the server refused with "no active turn" is sent again. */
export const INTERRUPT_RETRY_MS = 50;
/** How many times such an interrupt is retried before it counts as failed. */
export const INTERRUPT_MAX_ATTEMPTS = 100;
/** JSON-RPC "invalid request": what the server answers `turn/interrupt` before the turn is running. */
const NO_ACTIVE_TURN_CODE = -32600;

/** Serializable context of a turn actor. */
export interface TurnContext {
  threadId: string;
  turnId: string;
  /** `turn/started` was seen: the server accepts `turn/interrupt` and `turn/steer` from now on. */
  started: boolean;
  /**
   * The id `turn/started` named, which `turn/interrupt` must name: the turn's own id, except for a
   * review, whose `turn/started` names an inner turn (its `rootTurnId` is the review's). `null` before.
   */
  activeTurnId: string | null;
  /** Quiet time after which the turn goes `inactive`; `null`: never. */
  inactivityTimeoutMs: number | null;
  /** How long `interrupting` waits for `turn/completed` before it gives up (`unresponsive`); `null`: for ever. */
  interruptTimeoutMs: number | null;
  /** Ids (as strings) of server requests (approvals, questions) waiting for an answer: child actors `request:<id>`. */
  pendingRequests: string[];
  /** Steers the server accepted. */
  steerCount: number;
  /** Steers asked for before `turn/started`: sent once the turn starts. */
  queuedSteers: SteerRequest[];
  /** Ids of steers sent and not answered yet (each one a child actor `steer:<id>`). */
  steersInFlight: string[];
  /** The turn's error when it failed or was interrupted with one. */
  error: TurnError | null;
  /** Why the turn failed on our side (transport death), when it did. */
  failure: { code: string | number; message: string } | null;
  /** Why the last interrupt failed or gave up, when it did. */
  interruptError: string | null;
  /** Why the turn is `detached` (the connection dropped), while it is. */
  detachedBecause: string | null;
  /** The state an interrupt was asked for in: a failed interrupt goes back there. */
  interruptFrom: "starting" | "streaming" | "inactive" | null;
  /** `turn/interrupt` requests sent for the current interrupt. */
  interruptAttempts: number;
}

export interface TurnMachineInput {
  threadId: string;
  turnId: string;
  inactivityTimeoutMs?: number | null;
  interruptTimeoutMs?: number | null;
}

export type TurnEvent =
  | { type: "turn.started"; activeTurnId?: string }
  | {
      type: "turn.completed";
      status: "completed" | "interrupted" | "failed" | "inProgress";
      error: TurnError | null;
    }
  /** Something of this turn arrived (sent at most once per transport chunk): restarts the inactivity timer. */
  | { type: "activity" }
  /** Changes the inactivity timeout (a reader's override) and restarts the timer. */
  | { type: "inactivity.set"; timeoutMs: number | null }
  | { type: "resume" }
  | { type: "steer"; id: string; input: UserInput[] }
  | { type: "steer.accepted"; id: string; response: TurnSteerResponse }
  | { type: "steer.rejected"; id: string; error: unknown }
  | { type: "interrupt"; timeoutMs?: number | null }
  /** A server request of this turn arrived: it becomes a child actor `request:<id>`. */
  | { type: "request.opened"; request: RequestMachineInput }
  | { type: "transport.failed"; code: string | number; message: string }
  /** The connection dropped and the client reconnects: the turn waits in `detached`. */
  | { type: "connection.lost"; message: string }
  /** The client reconnected and resumed the thread: the turn streams again. */
  | { type: "connection.restored" };

/** What the turn actor emits for its handle (`actor.on(type, ...)`). */
export type TurnEmitted =
  | { type: "inactive" }
  | {
      type: "steer.settled";
      id: string;
      response?: TurnSteerResponse;
      /** The server's error, or why the steer was never sent (`reason`). */
      error?: unknown;
      reason?: "refused" | "interrupting" | "ended";
    };

const isNoActiveTurn = (error: unknown): boolean =>
  typeof error === "object" && error !== null && (error as { code?: unknown }).code === NO_ACTIVE_TURN_CODE;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * One turn; every timer, request and guard of it lives here.
 *
 * - `starting`: the server accepted `turn/start`, `turn/started` not seen yet. Steers asked for now
 *   are queued and sent once the turn starts; an interrupt waits for it too (the server refuses
 *   `turn/interrupt` until then).
 * - `streaming` (`receiving`, or `awaitingRequest` while an approval or question waits for our
 *   answer): events flow; each steer is a child actor `steer:<id>`.
 * - `inactive`: nothing arrived for `inactivityTimeoutMs` (a delayed transition, restarted by every
 *   `activity`; paused while we owe the server an answer). Only a continuation (`resume`) or a
 *   cancel (`interrupt`) leaves it.
 * - `interrupting`: waits for `turn/started` if needed, invokes `turn/interrupt` (retried while the
 *   server says the turn is not running yet), then waits for `turn/completed`. A refused interrupt
 *   goes back where it came from with the reason in `interruptError`; no `turn/completed` within
 *   `interruptTimeoutMs` lands in `unresponsive`, with the reason too.
 * - Final: `completed`, `interrupted`, `failed`.
 */
export const turnMachine = setup({
  types: {
    context: {} as TurnContext,
    input: {} as TurnMachineInput,
    events: {} as TurnEvent,
    emitted: {} as TurnEmitted,
  },
  actors: {
    interruptTurn: fromPromise<unknown, { threadId: string; turnId: string }>(async () => {
      throw new Error("interruptTurn is provided by the client");
    }),
    steerTurn: steerActor(async () => {
      throw new Error("steerTurn is provided by the client");
    }),
    request: requestMachine as AnyActorLogic as typeof requestMachine,
  },
  delays: {
    inactivity: ({ context }) => context.inactivityTimeoutMs ?? MAX_DELAY_MS,
    interruptTimeout: ({ context }) => context.interruptTimeoutMs ?? MAX_DELAY_MS,
    interruptRetry: INTERRUPT_RETRY_MS,
  },
  guards: {
    hasStarted: ({ context }) => context.started,
    hasOpenRequests: ({ context }) => context.pendingRequests.length > 0,
    hasNoOpenRequests: ({ context }) => context.pendingRequests.length === 0,
    inactivityEnabled: ({ context }) => context.inactivityTimeoutMs !== null,
    interruptTimeoutEnabled: ({ context }) => context.interruptTimeoutMs !== null,
    cameFromInactive: ({ context }) => context.interruptFrom === "inactive",
    endedCompleted: ({ event }) => event.type === "turn.completed" && event.status === "completed",
    endedInterrupted: ({ event }) => event.type === "turn.completed" && event.status === "interrupted",
    stillInProgress: ({ event }) => event.type === "turn.completed" && event.status === "inProgress",
    turnNotRunningYet: ({ context, event }) =>
      isNoActiveTurn((event as { error?: unknown }).error) &&
      context.interruptAttempts < INTERRUPT_MAX_ATTEMPTS,
  },
  actions: {
    markStarted: assign({
      started: () => true,
      activeTurnId: ({ context, event }) =>
        event.type === "turn.started" && event.activeTurnId !== undefined
          ? event.activeTurnId
          : context.activeTurnId,
    }),
    setInactivityTimeout: assign({
      inactivityTimeoutMs: ({ context, event }) =>
        event.type === "inactivity.set" ? event.timeoutMs : context.inactivityTimeoutMs,
    }),
    notifyInactive: emit({ type: "inactive" }),
    openRequest: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "request.opened") return;
      const id = String(event.request.id);
      if (context.pendingRequests.includes(id)) return;
      enqueue.spawnChild("request", { id: `request:${id}`, input: event.request });
      enqueue.assign({ pendingRequests: [...context.pendingRequests, id] });
    }),
    /** A request actor reached its end (answered, defaulted or withdrawn). */
    closeRequest: assign({
      pendingRequests: ({ context, event }) => {
        const actorId = (event as { actorId?: string }).actorId ?? "";
        return actorId.startsWith("request:")
          ? context.pendingRequests.filter((id) => `request:${id}` !== actorId)
          : context.pendingRequests;
      },
    }),
    queueSteer: assign({
      queuedSteers: ({ context, event }) =>
        event.type === "steer"
          ? [...context.queuedSteers, { id: event.id, input: event.input }]
          : context.queuedSteers,
    }),
    /** Sends the steer of the event, or every queued one once the turn started. */
    sendSteers: enqueueActions(({ context, event, enqueue }) => {
      const steers = event.type === "steer" ? [{ id: event.id, input: event.input }] : context.queuedSteers;
      if (steers.length === 0) return;
      for (const steer of steers) {
        enqueue.spawnChild("steerTurn", {
          id: `steer:${steer.id}`,
          input: { threadId: context.threadId, turnId: context.turnId, steer },
        });
      }
      enqueue.assign({
        queuedSteers: [],
        steersInFlight: [...context.steersInFlight, ...steers.map((s) => s.id)],
      });
    }),
    settleSteer: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "steer.accepted" && event.type !== "steer.rejected") return;
      enqueue.stopChild(`steer:${event.id}`);
      enqueue.assign({
        steersInFlight: context.steersInFlight.filter((id) => id !== event.id),
        steerCount: context.steerCount + (event.type === "steer.accepted" ? 1 : 0),
      });
      enqueue.emit(
        event.type === "steer.accepted"
          ? { type: "steer.settled", id: event.id, response: event.response }
          : { type: "steer.settled", id: event.id, error: event.error, reason: "refused" },
      );
    }),
    /** Steers not answered yet are abandoned: their requests abort and their callers hear why. */
    abandonSteers: enqueueActions(({ context, enqueue }, params: { reason: "interrupting" | "ended" }) => {
      if (context.queuedSteers.length === 0 && context.steersInFlight.length === 0) return;
      for (const id of context.steersInFlight) {
        enqueue.stopChild(`steer:${id}`);
        enqueue.emit({ type: "steer.settled", id, reason: params.reason });
      }
      for (const steer of context.queuedSteers) {
        enqueue.emit({ type: "steer.settled", id: steer.id, reason: params.reason });
      }
      enqueue.assign({ queuedSteers: [], steersInFlight: [] });
    }),
    beginInterrupt: assign(({ event }, params: { from: "starting" | "streaming" | "inactive" }) => ({
      interruptFrom: params.from,
      interruptError: null,
      interruptAttempts: 0,
      ...(event.type === "interrupt" && event.timeoutMs !== undefined
        ? { interruptTimeoutMs: event.timeoutMs }
        : {}),
    })),
    countInterruptAttempt: assign({ interruptAttempts: ({ context }) => context.interruptAttempts + 1 }),
    recordInterruptError: assign({
      interruptError: ({ event }) =>
        `turn/interrupt failed: ${messageOf((event as { error?: unknown }).error)}`,
    }),
    recordInterruptTimeout: assign({
      interruptError: ({ context }) =>
        `turn/completed did not arrive within ${context.interruptTimeoutMs} ms of turn/interrupt`,
    }),
    recordEnd: assign({
      error: ({ event }) => (event.type === "turn.completed" ? event.error : null),
      pendingRequests: () => [],
    }),
    recordDetach: assign({
      detachedBecause: ({ event }) => (event.type === "connection.lost" ? event.message : null),
      interruptError: ({ context, event }) =>
        event.type === "connection.lost" && context.interruptFrom !== null && context.interruptAttempts > 0
          ? `the connection dropped: ${event.message}`
          : context.interruptError,
    }),
    recordReattach: assign({ detachedBecause: null, started: true }),
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
    started: false,
    activeTurnId: null,
    inactivityTimeoutMs: input.inactivityTimeoutMs ?? null,
    interruptTimeoutMs: input.interruptTimeoutMs ?? null,
    pendingRequests: [],
    steerCount: 0,
    queuedSteers: [],
    steersInFlight: [],
    error: null,
    failure: null,
    detachedBecause: null,
    interruptError: null,
    interruptFrom: null,
    interruptAttempts: 0,
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
    "connection.lost": { target: ".detached", actions: "recordDetach" },
    "inactivity.set": { actions: "setInactivityTimeout" },
    "request.opened": { actions: "openRequest" },
    "xstate.done.actor.*": { actions: "closeRequest" },
    "steer.accepted": { actions: "settleSteer" },
    "steer.rejected": { actions: "settleSteer" },
  },
  states: {
    starting: {
      after: { inactivity: { guard: "inactivityEnabled", target: "inactive" } },
      on: {
        "turn.started": { target: "streaming", actions: ["markStarted", "sendSteers"] },
        activity: { target: "starting", reenter: true },
        "inactivity.set": { target: "starting", reenter: true, actions: "setInactivityTimeout" },
        steer: { actions: "queueSteer" },
        interrupt: {
          target: "interrupting",
          actions: { type: "beginInterrupt", params: { from: "starting" } },
        },
      },
    },
    streaming: {
      initial: "receiving",
      on: {
        steer: { actions: "sendSteers" },
        interrupt: {
          target: "interrupting",
          actions: { type: "beginInterrupt", params: { from: "streaming" } },
        },
        "request.opened": { target: ".awaitingRequest", actions: "openRequest" },
        "xstate.done.actor.*": { target: ".receiving", actions: "closeRequest" },
      },
      states: {
        receiving: {
          always: { guard: "hasOpenRequests", target: "awaitingRequest" },
          after: { inactivity: { guard: "inactivityEnabled", target: "#turn.inactive" } },
          on: {
            activity: { target: "receiving", reenter: true },
            "inactivity.set": { target: "receiving", reenter: true, actions: "setInactivityTimeout" },
          },
        },
        awaitingRequest: {
          always: { guard: "hasNoOpenRequests", target: "receiving" },
        },
      },
    },
    inactive: {
      entry: "notifyInactive",
      on: {
        "turn.started": { actions: "markStarted" },
        resume: [{ guard: "hasStarted", target: "streaming" }, { target: "starting" }],
        interrupt: {
          target: "interrupting",
          actions: { type: "beginInterrupt", params: { from: "inactive" } },
        },
      },
    },
    interrupting: {
      entry: { type: "abandonSteers", params: { reason: "interrupting" } },
      initial: "waitingForStart",
      after: {
        interruptTimeout: {
          guard: "interruptTimeoutEnabled",
          target: "unresponsive",
          actions: "recordInterruptTimeout",
        },
      },
      states: {
        waitingForStart: {
          always: { guard: "hasStarted", target: "requesting" },
          on: { "turn.started": { target: "requesting", actions: "markStarted" } },
        },
        requesting: {
          entry: "countInterruptAttempt",
          invoke: {
            src: "interruptTurn",
            input: ({ context }) => ({
              threadId: context.threadId,
              turnId: context.activeTurnId ?? context.turnId,
            }),
            onDone: "awaitingEnd",
            onError: [
              { guard: "turnNotRunningYet", target: "retrying" },
              { guard: "cameFromInactive", target: "#turn.inactive", actions: "recordInterruptError" },
              { guard: "hasStarted", target: "#turn.streaming", actions: "recordInterruptError" },
              { target: "#turn.starting", actions: "recordInterruptError" },
            ],
          },
        },
        retrying: {
          after: { interruptRetry: "requesting" },
        },
        awaitingEnd: {},
      },
    },
    /**
     * The connection dropped; the client reconnects and resumes the thread. No timer runs (the server
     * goes on with the turn meanwhile); steers and interrupts are refused until `connection.restored`,
     * which goes back to `streaming`. A turn that ended meanwhile ends from here; if reconnection gives
     * up, `transport.failed`.
     */
    detached: {
      on: {
        "connection.restored": { target: "streaming", actions: "recordReattach" },
      },
    },
    unresponsive: {
      on: {
        interrupt: {
          target: "interrupting",
          actions: { type: "beginInterrupt", params: { from: "streaming" } },
        },
      },
    },
    completed: { type: "final", entry: { type: "abandonSteers", params: { reason: "ended" } } },
    interrupted: { type: "final", entry: { type: "abandonSteers", params: { reason: "ended" } } },
    failed: { type: "final", entry: { type: "abandonSteers", params: { reason: "ended" } } },
  },
});

export type TurnMachine = typeof turnMachine;
export type TurnActorRef = ActorRefFrom<TurnMachine>;
/** The machine's top-level state names. */
export type TurnStateName =
  | "starting"
  | "streaming"
  | "inactive"
  | "interrupting"
  | "unresponsive"
  | "detached"
  | "completed"
  | "interrupted"
  | "failed";

export type { SteerActorInput, SteerRequest, SteerRequestFn } from "./steerActor.js";
export { steerActor } from "./steerActor.js";

import type { AnyActorLogic } from "xstate";
import { assign, setup, spawnChild, stopChild } from "xstate";
import { threadMachine } from "./threadMachine.js";
import { turnMachine } from "./turnMachine.js";

export interface ClientContext {
  /** Transport label (never a secret). */
  transport: string;
  serverInfo: { userAgent: string; platformOs: string } | null;
  failure: { code: string | number; message: string } | null;
  closeReason: string | null;
}

export interface ClientMachineInput {
  transport: string;
}

export type ClientEvent =
  | { type: "transport.started" }
  | { type: "initialize.done"; userAgent: string; platformOs: string }
  | { type: "initialize.failed"; code: string | number; message: string }
  | { type: "close" }
  | { type: "transport.closed"; reason: string; failed: boolean; code?: string | number }
  | { type: "spawn.thread"; threadId: string; origin: "start" | "resume" | "fork" | "attach" }
  | {
      type: "spawn.turn";
      threadId: string;
      turnId: string;
      inactivityTimeoutMs?: number | null;
      interruptTimeoutMs?: number | null;
    }
  | { type: "stop.child"; id: string };

/**
 * The client's root actor. Thread actors (`thread:<id>`) and turn actors (`turn:<id>`) are spawned as
 * its children, so one inspector attached to the client sees the whole tree.
 */
export const clientMachine = setup({
  types: {
    context: {} as ClientContext,
    input: {} as ClientMachineInput,
    events: {} as ClientEvent,
  },
  actors: {
    thread: threadMachine as AnyActorLogic as typeof threadMachine,
    turn: turnMachine as AnyActorLogic as typeof turnMachine,
  },
  actions: {
    spawnThread: spawnChild("thread", {
      id: ({ event }) => (event.type === "spawn.thread" ? `thread:${event.threadId}` : "thread:?"),
      input: ({ event }) =>
        event.type === "spawn.thread"
          ? { threadId: event.threadId, origin: event.origin }
          : { threadId: "?", origin: "attach" as const },
    }),
    spawnTurn: spawnChild("turn", {
      id: ({ event }) => (event.type === "spawn.turn" ? `turn:${event.turnId}` : "turn:?"),
      input: ({ event }) =>
        event.type === "spawn.turn"
          ? {
              threadId: event.threadId,
              turnId: event.turnId,
              inactivityTimeoutMs: event.inactivityTimeoutMs ?? null,
              interruptTimeoutMs: event.interruptTimeoutMs ?? null,
            }
          : { threadId: "?", turnId: "?" },
    }),
    stopChild: stopChild(({ event }) => (event.type === "stop.child" ? event.id : "")),
    recordServer: assign({
      serverInfo: ({ event }) =>
        event.type === "initialize.done"
          ? { userAgent: event.userAgent, platformOs: event.platformOs }
          : null,
    }),
    recordInitFailure: assign({
      failure: ({ event }) =>
        event.type === "initialize.failed" ? { code: event.code, message: event.message } : null,
    }),
    recordClose: assign({
      closeReason: ({ event }) => (event.type === "transport.closed" ? event.reason : "closed by the client"),
      failure: ({ context, event }) =>
        event.type === "transport.closed" && event.failed
          ? { code: event.code ?? "connection_closed", message: event.reason }
          : context.failure,
    }),
  },
}).createMachine({
  id: "client",
  context: ({ input }) => ({
    transport: input.transport,
    serverInfo: null,
    failure: null,
    closeReason: null,
  }),
  initial: "connecting",
  on: {
    "spawn.thread": { actions: "spawnThread" },
    "spawn.turn": { actions: "spawnTurn" },
    "stop.child": { actions: "stopChild" },
  },
  states: {
    connecting: {
      on: {
        "transport.started": "initializing",
        "transport.closed": { target: "failed", actions: "recordClose" },
        close: "closing",
      },
    },
    initializing: {
      on: {
        "initialize.done": { target: "ready", actions: "recordServer" },
        "initialize.failed": { target: "failed", actions: "recordInitFailure" },
        "transport.closed": { target: "failed", actions: "recordClose" },
        close: "closing",
      },
    },
    ready: {
      on: {
        close: "closing",
        "transport.closed": [
          { guard: ({ event }) => event.failed, target: "failed", actions: "recordClose" },
          { target: "closed", actions: "recordClose" },
        ],
      },
    },
    closing: {
      on: { "transport.closed": { target: "closed", actions: "recordClose" } },
    },
    closed: { type: "final" },
    failed: { type: "final" },
  },
});

export type ClientMachine = typeof clientMachine;

import type { InitializeResponse } from "@codex-app-server/protocol";
import type { AnyActorLogic } from "xstate";
import { assign, fromPromise, setup, spawnChild, stopChild } from "xstate";
import type { RequestMachineInput } from "./requestMachine.js";
import { requestMachine } from "./requestMachine.js";
import { threadMachine } from "./threadMachine.js";

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
  /** Start the transport and initialize (the first call that needs the server sends it). */
  | { type: "connect" }
  | { type: "close" }
  | { type: "transport.closed"; reason: string; failed: boolean; code?: string | number }
  | { type: "spawn.thread"; threadId: string; origin: "start" | "resume" | "fork" | "attach" }
  /** A server request that belongs to no running turn: its actor lives here. */
  | { type: "request.opened"; request: RequestMachineInput }
  | { type: "stop.child"; id: string };

const failureOf = (error: unknown): { code: string | number; message: string } => {
  const e = error as { code?: string | number; message?: string } | null;
  return { code: e?.code ?? "initialize_failed", message: e?.message ?? String(error) };
};

/**
 * The client's root actor. `connecting` invokes `openTransport`, `initializing` invokes `initialize`
 * (`initialize` then `initialized`); both are provided by the client. Thread actors (`thread:<id>`)
 * are its children and turns are theirs, so one inspector attached to the client sees the whole tree;
 * server requests that belong to no running turn are its children too (`request:<id>`).
 */
export const clientMachine = setup({
  types: {
    context: {} as ClientContext,
    input: {} as ClientMachineInput,
    events: {} as ClientEvent,
  },
  actors: {
    thread: threadMachine as AnyActorLogic as typeof threadMachine,
    request: requestMachine as AnyActorLogic as typeof requestMachine,
    openTransport: fromPromise<void>(async () => {}),
    initialize: fromPromise<InitializeResponse>(async () => {
      throw new Error("initialize is provided by the client");
    }),
  },
  actions: {
    spawnThread: spawnChild("thread", {
      id: ({ event }) => (event.type === "spawn.thread" ? `thread:${event.threadId}` : "thread:?"),
      input: ({ event }) =>
        event.type === "spawn.thread"
          ? { threadId: event.threadId, origin: event.origin }
          : { threadId: "?", origin: "attach" as const },
    }),
    spawnRequest: spawnChild("request", {
      id: ({ event }) =>
        event.type === "request.opened" ? `request:${String(event.request.id)}` : "request:?",
      input: ({ event }) =>
        event.type === "request.opened"
          ? event.request
          : { id: "?", method: "execCommandApproval" as const, params: null, threadId: null, turnId: null },
    }),
    stopChild: stopChild(({ event }) => (event.type === "stop.child" ? event.id : "")),
    recordServer: assign({
      serverInfo: ({ event }) => {
        const output = (event as { output?: InitializeResponse }).output;
        return output ? { userAgent: output.userAgent, platformOs: output.platformOs } : null;
      },
    }),
    recordInitFailure: assign({ failure: ({ event }) => failureOf((event as { error?: unknown }).error) }),
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
  initial: "idle",
  on: {
    "spawn.thread": { actions: "spawnThread" },
    "request.opened": { actions: "spawnRequest" },
    "stop.child": { actions: "stopChild" },
  },
  states: {
    idle: {
      on: {
        connect: "connecting",
        close: "closing",
        "transport.closed": { target: "closed", actions: "recordClose" },
      },
    },
    connecting: {
      invoke: {
        src: "openTransport",
        onDone: "initializing",
        onError: { target: "failed", actions: "recordInitFailure" },
      },
      on: {
        "transport.closed": { target: "failed", actions: "recordClose" },
        close: "closing",
      },
    },
    initializing: {
      invoke: {
        src: "initialize",
        onDone: { target: "ready", actions: "recordServer" },
        onError: { target: "failed", actions: "recordInitFailure" },
      },
      on: {
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

import type { InitializeResponse } from "@codex-app-server/protocol";
import type { AnyActorLogic } from "xstate";
import { assign, fromPromise, setup, spawnChild, stopChild } from "xstate";
import type { ResolvedReconnectOptions } from "../reconnect.js";
import { backoffDelay, DEFAULT_RECONNECT } from "../reconnect.js";
import type { RequestMachineInput } from "./requestMachine.js";
import { requestMachine } from "./requestMachine.js";
import { threadMachine } from "./threadMachine.js";

export interface ClientContext {
  /** Transport label (never a secret). */
  transport: string;
  serverInfo: { userAgent: string; platformOs: string } | null;
  failure: { code: string | number; message: string } | null;
  closeReason: string | null;
  /** How to reconnect when the connection drops; `null`: not at all. */
  reconnect: ResolvedReconnectOptions | null;
  /** The reconnection attempt under way (from 1), 0 while connected. */
  reconnectAttempt: number;
  /** Why the connection dropped, then why the last attempt failed, while reconnecting. */
  reconnectError: { code: string | number; message: string } | null;
}

export interface ClientMachineInput {
  transport: string;
  reconnect?: ResolvedReconnectOptions | null;
}

export type ClientEvent =
  /** Start the transport and initialize (the first call that needs the server sends it). */
  | { type: "connect" }
  | { type: "close" }
  | { type: "transport.closed"; reason: string; failed: boolean; code?: string | number }
  /** The connection dropped and the transport can reconnect (only sent when reconnection is on). */
  | { type: "transport.lost"; reason: string }
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
    /** Connects the transport again. */
    reopenTransport: fromPromise<void>(async () => {
      throw new Error("reopenTransport is provided by the client");
    }),
    /** Resumes the client's threads on the new connection; their turns go back to streaming. */
    resumeThreads: fromPromise<void>(async () => {}),
    /** Reconnection gave up: closes the transport for good (`transport.closed` follows). */
    giveUp: fromPromise<void, { attempts: number; error: { code: string | number; message: string } | null }>(
      async () => {},
    ),
  },
  delays: {
    backoff: ({ context }) => backoffDelay(context.reconnectAttempt, context.reconnect ?? DEFAULT_RECONNECT),
  },
  guards: {
    attemptsLeft: ({ context }) => context.reconnectAttempt < (context.reconnect?.maxAttempts ?? 0),
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
    recordLoss: assign({
      reconnectAttempt: 0,
      reconnectError: ({ event }) =>
        event.type === "transport.lost" ? { code: "connection_lost", message: event.reason } : null,
    }),
    recordAttemptLoss: assign({
      reconnectError: ({ event }) =>
        event.type === "transport.lost" ? { code: "connection_lost", message: event.reason } : null,
    }),
    countAttempt: assign({ reconnectAttempt: ({ context }) => context.reconnectAttempt + 1 }),
    recordAttemptFailure: assign({
      reconnectError: ({ event }) => failureOf((event as { error?: unknown }).error),
    }),
    reconnected: assign({ reconnectAttempt: 0, reconnectError: null }),
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
    reconnect: input.reconnect ?? null,
    reconnectAttempt: 0,
    reconnectError: null,
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
        "transport.lost": { target: "reconnecting", actions: "recordLoss" },
        "transport.closed": [
          { guard: ({ event }) => event.failed, target: "failed", actions: "recordClose" },
          { target: "closed", actions: "recordClose" },
        ],
      },
    },
    /**
     * The connection dropped: wait (`backoff`, growing with each attempt, with jitter), reopen the
     * transport, initialize again, resume the threads; any step failing (or the new connection dropping)
     * is another attempt, up to `reconnect.maxAttempts`, then `failed`.
     */
    reconnecting: {
      initial: "waiting",
      on: {
        close: "closing",
        // Dropped again before the client was ready: one more attempt, counted (a connection that keeps
        // dropping right after it opens must not retry for ever).
        "transport.lost": { target: ".retry", actions: "recordAttemptLoss" },
        "transport.closed": { target: "failed", actions: "recordClose" },
      },
      states: {
        waiting: {
          entry: "countAttempt",
          after: { backoff: "opening" },
        },
        opening: {
          invoke: {
            src: "reopenTransport",
            onDone: "initializing",
            onError: { target: "retry", actions: "recordAttemptFailure" },
          },
        },
        initializing: {
          invoke: {
            src: "initialize",
            onDone: { target: "resuming", actions: "recordServer" },
            onError: { target: "retry", actions: "recordAttemptFailure" },
          },
        },
        resuming: {
          invoke: {
            src: "resumeThreads",
            onDone: { target: "#client.ready", actions: "reconnected" },
            onError: { target: "retry", actions: "recordAttemptFailure" },
          },
        },
        retry: {
          always: [{ guard: "attemptsLeft", target: "waiting" }, { target: "#client.givingUp" }],
        },
      },
    },
    givingUp: {
      invoke: {
        src: "giveUp",
        input: ({ context }) => ({ attempts: context.reconnectAttempt, error: context.reconnectError }),
      },
      on: { "transport.closed": { target: "failed", actions: "recordClose" } },
    },
    closing: {
      on: { "transport.closed": { target: "closed", actions: "recordClose" } },
    },
    closed: { type: "final" },
    failed: { type: "final" },
  },
});

export type ClientMachine = typeof clientMachine;

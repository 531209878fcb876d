import type { RequestId } from "@codex-app-server/protocol";
import { assign, fromPromise, setup } from "xstate";
import type { ServerRequestKind, ServerRequestMethod } from "../serverRequests.js";
import { checkAnswer, SERVER_REQUEST_KINDS, safeAnswer } from "../serverRequests.js";

/** What a request actor knows of its server request: plain data, all serializable. */
export interface RequestMachineInput {
  id: RequestId;
  method: ServerRequestMethod;
  params: unknown;
  threadId: string | null;
  turnId: string | null;
}

export interface RequestContext extends RequestMachineInput {
  kind: ServerRequestKind;
  /** The answer sent to the server, once decided. */
  answer: unknown;
  /** Why the safe answer was sent, or why the request ended without one. */
  reason: string | null;
}

export type RequestEvent =
  /** The server withdrew the request (`serverRequest/resolved`, the turn ended, the connection closed). */
  { type: "withdraw"; reason: string };

/**
 * One server request (an approval, a question, an elicitation), spawned as `request:<id>` under its
 * turn (or under the client when it belongs to no running turn). `pending` invokes `decide` (the
 * client's handler, a manual reader, or nobody); the machine checks the answer and owns the safe
 * default:
 * - `answered`: the decision was one the request offers; it is sent.
 * - `defaulted`: nobody decided, the decider failed, or its answer was not offered: the safe answer
 *   (decline, cancel, an empty grant) is sent, with the reason.
 * - `withdrawn`: the server took the request back before an answer; the safe answer goes out if the
 *   server still waits for one.
 * The actor's output is the answer to send.
 */
export const requestMachine = setup({
  types: {
    context: {} as RequestContext,
    input: {} as RequestMachineInput,
    events: {} as RequestEvent,
    output: {} as unknown,
  },
  actors: {
    decide: fromPromise<unknown, RequestMachineInput>(async () => undefined),
  },
  guards: {
    offered: ({ context, event }) =>
      checkAnswer(context.kind, context.params, (event as { output?: unknown }).output) !== undefined,
  },
  actions: {
    recordAnswer: assign({ answer: ({ event }) => (event as { output?: unknown }).output }),
    recordDefault: assign({
      answer: ({ context }) => safeAnswer(context.kind, context.params),
      reason: ({ event }) => {
        if ("error" in event) {
          const error = (event as { error?: unknown }).error;
          return `the decider failed: ${error instanceof Error ? error.message : String(error)}`;
        }
        const output = (event as { output?: unknown }).output;
        return output === undefined || output === null
          ? "nobody decided"
          : "the answer is not one the request offers";
      },
    }),
    recordWithdrawal: assign({
      answer: ({ context }) => safeAnswer(context.kind, context.params),
      reason: ({ event }) => event.reason,
    }),
  },
}).createMachine({
  id: "request",
  context: ({ input }) => ({
    ...input,
    kind: SERVER_REQUEST_KINDS[input.method],
    answer: null,
    reason: null,
  }),
  initial: "pending",
  states: {
    pending: {
      invoke: {
        src: "decide",
        input: ({ context }) => ({
          id: context.id,
          method: context.method,
          params: context.params,
          threadId: context.threadId,
          turnId: context.turnId,
        }),
        onDone: [
          { guard: "offered", target: "answered", actions: "recordAnswer" },
          { target: "defaulted", actions: "recordDefault" },
        ],
        onError: { target: "defaulted", actions: "recordDefault" },
      },
      on: { withdraw: { target: "withdrawn", actions: "recordWithdrawal" } },
    },
    answered: { type: "final" },
    defaulted: { type: "final" },
    withdrawn: { type: "final" },
  },
  output: ({ context }: { context: RequestContext }) => context.answer,
});

export type RequestMachine = typeof requestMachine;
export type RequestStateName = "pending" | "answered" | "defaulted" | "withdrawn";

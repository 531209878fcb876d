import type { CodexValidationError, ReviewStartParams, Turn } from "@codex-app-server/protocol";
import type { ClientPeer } from "@codex-app-server/transport";
import {
  CodexAbortError,
  CodexConnectionLostError,
  CodexTimeoutError,
  ConnectionClosedError,
} from "@codex-app-server/transport";
import type { ClientConnection } from "./connection.js";
import { throwIfAborted } from "./conversation.js";
import { CodexBufferOverflowError, CodexInvalidStateError, CodexTurnLostError } from "./errors.js";
import type { Input } from "./inputs.js";
import { normalizeInput } from "./inputs.js";
import type { TurnActorRef } from "./machines/turnMachine.js";
import type { EarlyBuffer, NotificationRouter } from "./notificationRouter.js";
import type { TurnOverrides } from "./options.js";
import { omitUndefined } from "./requestApi.js";
import type { ThreadHandle } from "./threadHandle.js";
import type { ThreadRegistry } from "./threadRegistry.js";
import type { TurnHost } from "./turnHandle.js";
import { TurnHandle } from "./turnHandle.js";
import type { TurnKind } from "./turnTypes.js";

/** What starting a turn needs from its client. */
export interface TurnStarter {
  connection: ClientConnection;
  threads: ThreadRegistry;
  router: NotificationRouter;
  turnHost: TurnHost;
  inactivityTimeoutMs: number | null;
  maxUnreadEvents: number;
  maxEarlyNotifications: number;
  onError(error: Error): void;
  /** Fails a turn whose notification failed strict validation (and interrupts it on the server). */
  failInvalid(turn: TurnHandle, error: CodexValidationError): void;
  /** Resumes a released thread (`thread/resume`) into the same handle. */
  resume(thread: ThreadHandle): Promise<void>;
}

/** The request that starts a turn of some kind. */
export interface TurnRequest {
  kind: TurnKind;
  /** The method, for errors. */
  method: string;
  /** Sends it; resolves with the turn's id when the answer names it (a compaction's answer does not). */
  send(): Promise<string | undefined>;
}

/** `thread/compact/start`: its answer is `{}`, the compaction's turn is known from its `turn/started`. */
export function compactionRequest(peer: ClientPeer, threadId: string): TurnRequest {
  return {
    kind: "compaction",
    method: "thread/compact/start",
    send: async () => {
      await peer.request("thread/compact/start", { threadId });
      return undefined;
    },
  };
}

/** `review/start` (inline): its answer names the review's turn. */
export function reviewRequest(peer: ClientPeer, params: ReviewStartParams): TurnRequest {
  return {
    kind: "review",
    method: "review/start",
    send: async () => (await peer.request("review/start", params)).turn.id,
  };
}

/** `turn/start` on a thread; see {@link beginTurn}. */
export function startTurn(
  starter: TurnStarter,
  thread: ThreadHandle,
  input: Input,
  overrides: TurnOverrides,
  signal: AbortSignal | undefined,
): Promise<TurnHandle> {
  return beginTurn(
    starter,
    thread,
    {
      kind: "turn",
      method: "turn/start",
      send: async () => {
        const response = await starter.connection.peer.request("turn/start", {
          ...omitUndefined(overrides),
          threadId: thread.id,
          input: normalizeInput(input),
        });
        // The server keeps a turn's overrides for the thread's later turns.
        thread._defaultsChanged(overrides);
        return response.turn.id;
      },
    },
    signal,
  );
}

/**
 * Starts a turn, a compaction or a review on a thread. The thread's actor must accept it: one at a
 * time, and one asked for while a compaction or a review runs waits for its end (the server would
 * refuse it), while one asked for during a turn is refused. Notifications that arrive before the turn
 * is known are held; once the server names it (in its answer, or for a compaction in its
 * `turn/started`), the thread spawns the turn's actor (`turn:<id>`) and the handle takes what arrived
 * early.
 */
export async function beginTurn(
  starter: TurnStarter,
  thread: ThreadHandle,
  request: TurnRequest,
  signal: AbortSignal | undefined,
): Promise<TurnHandle> {
  const { connection, threads, router } = starter;
  await connection.ready();
  if (thread.released) await starter.resume(thread);
  await untilNoTaskRuns(thread, signal);
  connection.assertOpen();
  if (!thread.actor.getSnapshot().can({ type: "turn.requested" })) {
    throw new CodexInvalidStateError(
      `thread:${thread.id}`,
      thread.state,
      request.kind === "turn" ? "a new turn" : `a ${request.kind}`,
      "one turn at a time per thread: wait for the running turn, or steer it",
    );
  }
  throwIfAborted(signal, `the ${request.kind}`);
  thread.actor.send({ type: "turn.requested", kind: request.kind });
  threads.markBusy(thread);
  const early = router.holdTurnStart(thread.id);
  const newestKnown = thread.info.turns[thread.info.turns.length - 1]?.id;
  let started: StartedTurn;
  try {
    try {
      started = { turnId: (await request.send()) ?? (await startedTurn(starter, early, request.method)) };
    } catch (error) {
      if (early.cutAt === undefined) throw error;
      started = await findCutTurn(starter, request, early, newestKnown, error);
    }
  } catch (error) {
    // (A client closed meanwhile has stopped the thread's actor.)
    if (thread.actor.getSnapshot().status === "active") thread.actor.send({ type: "turn.startFailed" });
    threads.markIdle(thread);
    throw error;
  } finally {
    router.releaseTurnStart(thread.id);
  }
  const { turnId, resumed } = started;
  thread.actor.send({
    type: "turn.began",
    turnId,
    inactivityTimeoutMs: starter.inactivityTimeoutMs,
    interruptTimeoutMs: connection.requestTimeoutMs,
  });
  const ref = thread.actor.getSnapshot().children[`turn:${turnId}`] as TurnActorRef;
  const turn = new TurnHandle(starter.turnHost, ref, thread.id, turnId, {
    maxUnreadEvents: starter.maxUnreadEvents,
    onError: starter.onError,
    kind: request.kind,
  });
  if (early.overflowed) {
    turn._fail(new CodexBufferOverflowError(starter.maxEarlyNotifications, thread.id));
    void connection.peer.request("turn/interrupt", { threadId: thread.id, turnId }).catch(() => undefined);
  }
  if (resumed === undefined) router.addTurn(turn, early);
  else
    router.adoptTurn(
      turn,
      early,
      resumed,
      `the connection dropped before the server answered ${request.method}`,
    );
  if (early.invalid !== undefined) starter.failInvalid(turn, early.invalid);
  return turn;
}

/** The turn a start began: its id, and, when a dropped connection lost the answer, the turn as resumed. */
interface StartedTurn {
  turnId: string;
  resumed?: Turn;
}

/**
 * The connection dropped while the start was in flight (before its answer, or a compaction's
 * `turn/started`), and the server lives on. Waits until the client has reconnected and resumed the
 * thread (a signal does not stop this wait: a chat aborted meanwhile interrupts the turn found), then
 * looks there. The turn the server started is the resumed thread's newest, unless the client knew that
 * one before (`newestKnown`, from the thread's description, or a turn it ran); a `turn/started` that
 * came before the drop names it. The handle then goes on from it, as a running turn does across a
 * drop. When there is none, the request never reached the server: the start fails with
 * `CodexConnectionLostError`, and may be tried again.
 */
async function findCutTurn(
  starter: TurnStarter,
  request: TurnRequest,
  early: EarlyBuffer,
  newestKnown: string | undefined,
  error: unknown,
): Promise<StartedTurn> {
  await starter.connection.ready();
  const resumed = early.resumed;
  if (resumed === undefined) throw error;
  const named = early.startedTurnId;
  const newest = resumed.turns[resumed.turns.length - 1];
  const found =
    named !== undefined
      ? resumed.turns.find((t) => t.id === named)
      : newest !== undefined && newest.id !== newestKnown && starter.router.turn(newest.id) === undefined
        ? newest
        : undefined;
  if (found !== undefined) return { turnId: found.id, resumed: found };
  if (named !== undefined) {
    const why = "it started, and the resumed thread does not have it";
    throw new CodexTurnLostError(resumed.id, named, why, { cause: error });
  }
  throw new CodexConnectionLostError(
    `${request.method} failed: the connection dropped before the server answered, and the thread resumed ` +
      `on the new connection has no new turn: the ${request.kind} did not start, and can be started again`,
    {
      reason: (error as { reason?: string }).reason ?? "the connection dropped",
      method: request.method,
      cause: error,
    },
  );
}

/** Resolves once no compaction or review runs on the thread (at once when none does). */
async function untilNoTaskRuns(thread: ThreadHandle, signal: AbortSignal | undefined): Promise<void> {
  const busyWithTask = () => {
    const snapshot = thread.actor.getSnapshot();
    const kind = snapshot.context.activeTurnKind;
    return snapshot.status === "active" && kind !== null && kind !== "turn";
  };
  if (!busyWithTask()) return;
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      subscription.unsubscribe();
      reject(
        new CodexAbortError("the turn was aborted while the thread's compaction or review ran", {
          cause: signal?.reason,
        }),
      );
    };
    const subscription = thread.actor.subscribe({
      next: () => {
        if (busyWithTask()) return;
        subscription.unsubscribe();
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      complete: () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
    });
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  // Another caller may have taken the thread in between: wait again, or let the state check refuse.
  return untilNoTaskRuns(thread, signal);
}

/**
 * The id of the turn a compaction started: its `turn/started`, held in the early buffer. Bounded by
 * the request timeout; rejects when the connection closes first.
 */
function startedTurn(starter: TurnStarter, early: EarlyBuffer, method: string): Promise<string> {
  if (early.startedTurnId !== undefined) return Promise.resolve(early.startedTurnId);
  const { connection } = starter;
  connection.assertOpen();
  const timeoutMs = connection.requestTimeoutMs;
  return new Promise<string>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      subscription.unsubscribe();
      early.onStarted = undefined;
    };
    const timer =
      timeoutMs === null
        ? undefined
        : setTimeout(() => {
            done();
            reject(
              new CodexTimeoutError(`${method} was answered, but no turn started within ${timeoutMs} ms`, {
                method,
                timeoutMs,
              }),
            );
          }, timeoutMs);
    const subscription = connection.actor.subscribe((snapshot) => {
      if (snapshot.value === "ready") return;
      done();
      reject(
        connection.closedError ??
          new ConnectionClosedError(`the client closed before the ${method} turn started`),
      );
    });
    early.onStarted = (turnId) => {
      done();
      resolve(turnId);
    };
  });
}

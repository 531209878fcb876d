import type { ClientConnection } from "./connection.js";
import { throwIfAborted } from "./conversation.js";
import { CodexBufferOverflowError, CodexInvalidStateError } from "./errors.js";
import type { Input } from "./inputs.js";
import { normalizeInput } from "./inputs.js";
import type { TurnActorRef } from "./machines/turnMachine.js";
import type { NotificationRouter } from "./notificationRouter.js";
import type { TurnOverrides } from "./options.js";
import { omitUndefined } from "./requestApi.js";
import type { ThreadHandle } from "./threadHandle.js";
import type { ThreadRegistry } from "./threadRegistry.js";
import type { TurnHost } from "./turnHandle.js";
import { TurnHandle } from "./turnHandle.js";

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
  /** Resumes a released thread (`thread/resume`) into the same handle. */
  resume(thread: ThreadHandle): Promise<void>;
}

/**
 * `turn/start` on a thread: the thread's actor must accept a turn (one at a time), notifications that
 * arrive before the answer are held, and once the server names the turn, the thread spawns its actor
 * (`turn:<id>`) and the handle takes what arrived early.
 */
export async function startTurn(
  starter: TurnStarter,
  thread: ThreadHandle,
  input: Input,
  overrides: TurnOverrides,
  signal: AbortSignal | undefined,
): Promise<TurnHandle> {
  const { connection, threads, router } = starter;
  await connection.ready();
  if (thread.released) await starter.resume(thread);
  if (!thread.actor.getSnapshot().can({ type: "turn.requested" })) {
    throw new CodexInvalidStateError(
      `thread:${thread.id}`,
      thread.state,
      "a new turn",
      "one turn at a time per thread: wait for the running turn, or steer it",
    );
  }
  throwIfAborted(signal, "the turn");
  thread.actor.send({ type: "turn.requested" });
  threads.markBusy(thread);
  const early = router.holdTurnStart(thread.id);
  let turnId: string;
  try {
    const response = await connection.peer.request("turn/start", {
      ...omitUndefined(overrides),
      threadId: thread.id,
      input: normalizeInput(input),
    });
    turnId = response.turn.id;
    // The server keeps a turn's overrides for the thread's later turns.
    thread._defaultsChanged(overrides);
  } catch (error) {
    thread.actor.send({ type: "turn.startFailed" });
    threads.markIdle(thread);
    throw error;
  } finally {
    router.releaseTurnStart(thread.id);
  }
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
  });
  if (early.overflowed) {
    turn._fail(new CodexBufferOverflowError(starter.maxEarlyNotifications, thread.id));
    void connection.peer.request("turn/interrupt", { threadId: thread.id, turnId }).catch(() => undefined);
  }
  router.addTurn(turn, early);
  return turn;
}

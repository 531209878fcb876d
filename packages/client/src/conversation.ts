import type { ThreadReadResponse } from "@codex-app-server/protocol";
import { CodexAbortError } from "@codex-app-server/transport";
import type { ChatContinuation } from "./continuation.js";
import { isChatContinuation } from "./continuation.js";
import { CodexTurnFailedError, CodexUsageError } from "./errors.js";
import type { Input } from "./inputs.js";
import type { CancelResult, ChatResult } from "./results.js";
import type { ConversationStep } from "./steps.js";
import type { TurnHandle } from "./turnHandle.js";
import type { ServerNotification } from "./turnTypes.js";

/** Throws `CodexAbortError` when `signal` is already aborted: nothing is sent. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted)
    throw new CodexAbortError(`${what} was aborted before it started`, { cause: signal.reason });
}

/**
 * Abort means interrupt: a read of `turn` that failed because `signal` aborted interrupts the turn (and
 * waits for it to end, so the thread is ready for the next turn) before the error goes on.
 */
export async function interruptOnAbort(
  turn: TurnHandle,
  signal: AbortSignal | undefined,
  onError: (error: Error) => void,
): Promise<void> {
  if (!signal?.aborted || turn.isFinished) return;
  try {
    await turn.interrupt();
  } catch (error) {
    onError(error as Error);
  }
}

/** The unknown-turn error of a continuation this client did not produce. */
export function unknownTurn(continuation: ChatContinuation): CodexUsageError {
  return new CodexUsageError(
    `unknown turn ${continuation.turnId} on thread ${continuation.threadId}: this client did not run it`,
  );
}

/** `chatOnce`'s reading: every event of the turn to its end, then the result (or the turn's failure). */
export async function readToEnd(
  turn: TurnHandle,
  options: { inactivityTimeoutMs?: number | null; signal?: AbortSignal; includeRawEvents?: boolean },
  finalTextFallback: (threadId: string, turnId: string) => Promise<{ text: string; itemId: string } | null>,
): Promise<ChatResult> {
  const rawEvents: ServerNotification[] | undefined = options.includeRawEvents ? [] : undefined;
  for await (const notification of turn.read((n) => n, options, "once")) {
    rawEvents?.push(notification);
  }
  const result = turn.snapshotResult();
  if (result.status === "failed") throw new CodexTurnFailedError(turn.threadId, turn.turnId, result.error);
  let finalText = result.finalResponse;
  let assistantItemId = result.assistantItemId;
  let completionSource: ChatResult["completionSource"] = finalText === null ? null : "item_completed";
  if (finalText === null && result.status === "completed") {
    const fallback = await finalTextFallback(turn.threadId, turn.turnId);
    if (fallback) {
      finalText = fallback.text;
      assistantItemId = fallback.itemId;
      completionSource = "thread_read_fallback";
    }
  }
  return {
    threadId: turn.threadId,
    turnId: turn.turnId,
    finalText: finalText ?? "",
    items: result.items,
    usage: result.usage,
    status: result.status,
    assistantItemId,
    completionSource,
    ...(rawEvents ? { rawEvents } : {}),
  };
}

/** Interrupts the continuation's turn (unless it ended), then hands over what was not read since its cursor. */
export async function cancelTurn(
  turn: TurnHandle,
  continuation: ChatContinuation,
  options: { timeoutMs?: number | null; signal?: AbortSignal },
): Promise<CancelResult> {
  if (turn.cursor !== continuation.cursor) {
    throw new CodexUsageError(
      `the continuation's cursor (${continuation.cursor}) does not match turn ${turn.turnId} (at ${turn.cursor}): it was resumed since`,
    );
  }
  const wasCompleted = turn.isFinished;
  if (!wasCompleted) await turn.interrupt(options);
  const rawEvents = turn.drainUnread();
  const steps: ConversationStep[] = [];
  for (const n of rawEvents) {
    const step = turn.stepOf(n);
    if (step) steps.push(step);
  }
  return {
    threadId: turn.threadId,
    turnId: turn.turnId,
    steps,
    rawEvents,
    wasCompleted,
    wasInterrupted: !wasCompleted,
  };
}

/** The last agent message of a turn, from `thread/read` (for a turn that ended without `item/completed`). */
export async function finalTextFromThreadRead(
  read: Promise<ThreadReadResponse>,
  turnId: string,
): Promise<{ text: string; itemId: string } | null> {
  const response = await read;
  const turn = response.thread.turns?.find((t) => t.id === turnId);
  const messages = (turn?.items ?? []).filter((item) => item.type === "agentMessage");
  const last = messages[messages.length - 1];
  return last && last.type === "agentMessage" ? { text: last.text, itemId: last.id } : null;
}

/**
 * What `chat` and `chatOnce` were asked: new input, or a continuation, given either as the first
 * argument or as `options.continuation` (the Python SDKs' `chat_once(continuation=...)`). Throws
 * `CodexUsageError` for neither, for input and a continuation together, for two different
 * continuations, and for an `options.continuation` that is not one.
 */
export function chatRequestOf(
  input: Input | ChatContinuation | undefined,
  continuation: ChatContinuation | undefined,
): { input: Input; continuation?: undefined } | { input?: undefined; continuation: ChatContinuation } {
  if (continuation !== undefined && !isChatContinuation(continuation)) {
    throw new CodexUsageError(
      "options.continuation is not a continuation: pass the one a CodexTurnInactiveError carries",
    );
  }
  if (isChatContinuation(input)) {
    if (continuation !== undefined && !sameContinuation(input, continuation)) {
      throw new CodexUsageError(
        "two different continuations: pass it once, as the first argument or as options.continuation",
      );
    }
    return { continuation: input };
  }
  if (continuation !== undefined) {
    if (input !== undefined) {
      throw new CodexUsageError(
        "input and a continuation: a continuation resumes the running turn and takes no new input " +
          "(call chatOnce(undefined, { continuation }), or steer the turn)",
      );
    }
    return { continuation };
  }
  if (input === undefined) {
    throw new CodexUsageError("nothing to send: pass input, or options.continuation to resume a turn");
  }
  return { input };
}

function sameContinuation(a: ChatContinuation, b: ChatContinuation): boolean {
  return a.threadId === b.threadId && a.turnId === b.turnId && a.cursor === b.cursor && a.mode === b.mode;
}

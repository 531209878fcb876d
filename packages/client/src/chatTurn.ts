import type { ChatContinuation } from "./continuation.js";
import { chatRequestOf, interruptOnAbort, throwIfAborted, unknownTurn } from "./conversation.js";
import { CodexUsageError } from "./errors.js";
import type { Input } from "./inputs.js";
import type { ChatOptions, ThreadConfig, ThreadResumeConfig, TurnOverrides } from "./options.js";
import type { ThreadHandle } from "./threadHandle.js";
import type { TurnHandle } from "./turnHandle.js";

/** What `chat` and `chatOnce` need of the client to find or start their turn. */
export interface ChatTurnHost {
  /** A turn this client runs or ran recently. */
  turn(turnId: string): TurnHandle | undefined;
  /** Resolves once the connection is initialized. */
  ready(): Promise<unknown>;
  /** A thread this client has open, else resumed. */
  openThread(threadId: string, config?: ThreadResumeConfig): Promise<ThreadHandle>;
  startThread(config: ThreadConfig, options: { signal?: AbortSignal }): Promise<ThreadHandle>;
  startTurn(
    thread: ThreadHandle,
    input: Input,
    overrides: TurnOverrides | undefined,
    signal: AbortSignal | undefined,
  ): Promise<TurnHandle>;
  onError(error: Error): void;
}

/** The running turn a continuation names (on its thread), else `CodexUsageError`. */
export function turnOfContinuation(host: ChatTurnHost, continuation: ChatContinuation): TurnHandle {
  const turn = host.turn(continuation.turnId);
  if (!turn || turn.threadId !== continuation.threadId) throw unknownTurn(continuation);
  return turn;
}

/**
 * The turn `chat`/`chatOnce` read: a continuation's turn, resumed; else a new turn on `threadId`'s
 * thread (resumed when this client does not have it open) or on a new thread. An already-aborted
 * signal sends nothing; one aborted while the turn was being started interrupts it.
 */
export async function chatTurn(
  host: ChatTurnHost,
  given: Input | ChatContinuation | undefined,
  options: ChatOptions,
): Promise<TurnHandle> {
  const { input, continuation } = chatRequestOf(given, options.continuation);
  throwIfAborted(options.signal, "the chat");
  if (continuation) {
    const conflicting = (["threadId", "threadConfig", "turnOverrides"] as const).filter(
      (k) => options[k] !== undefined,
    );
    if (conflicting.length) {
      throw new CodexUsageError(
        `a continuation resumes a running turn: ${conflicting.join(", ")} cannot be given with it`,
      );
    }
    const turn = turnOfContinuation(host, continuation);
    turn.resume(continuation);
    return turn;
  }
  await host.ready();
  const thread = options.threadId
    ? await host.openThread(options.threadId, options.threadConfig)
    : await host.startThread(options.threadConfig ?? {}, options.signal ? { signal: options.signal } : {});
  const turn = await host.startTurn(thread, input, options.turnOverrides, options.signal);
  if (options.signal?.aborted) {
    await interruptOnAbort(turn, options.signal, (e) => host.onError(e));
    throwIfAborted(options.signal, "the chat");
  }
  return turn;
}

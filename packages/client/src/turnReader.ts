import { CodexAbortError } from "@codex-app-server/transport";
import type { ChatContinuation } from "./continuation.js";
import type { CodexTurnInactiveError } from "./errors.js";
import type { TurnEventLog } from "./turnEventLog.js";
import type { ServerNotification } from "./turnTypes.js";

/** Options for reading a turn's events. */
export interface TurnReadOptions {
  /** Override the inactivity timeout while this read waits; `null` waits for ever. */
  inactivityTimeoutMs?: number | null;
  signal?: AbortSignal;
}

/** What a reader needs of its turn. */
export interface TurnCursorSource {
  readonly log: TurnEventLog<ServerNotification>;
  /**
   * Claims the turn's one cursor (throws when another reader has it, or when the turn is inactive) and
   * applies the reader's inactivity timeout; returns the release.
   */
  begin(mode: ChatContinuation["mode"], inactivityTimeoutMs: number | null | undefined): () => void;
  /** The error to throw when the turn went inactive, else undefined. */
  inactiveError(mode: ChatContinuation["mode"]): CodexTurnInactiveError | undefined;
  describe(): { actorId: string; state: string; turnId: string };
}

/**
 * One reader of a turn's events. Behaves as an async generator would (starts on the first `next()`,
 * queues overlapping calls, finishes once), but an event that is already buffered is handed out at
 * once: one settled promise per item, no generator frames, and one wake-up per batch of events rather
 * than per event. `return()` at any moment releases the cursor.
 */
export function readTurn<T>(
  source: TurnCursorSource,
  pick: (n: ServerNotification) => T | undefined,
  options: TurnReadOptions,
  mode: ChatContinuation["mode"],
): AsyncIterableIterator<T> {
  const { log } = source;
  const signal = options.signal;
  let state: "new" | "open" | "done" = "new";
  let inFlight: Promise<IteratorResult<T>> | undefined;
  let release: (() => void) | undefined;
  const onAbort = () => log.interruptWait();

  const begin = (): void => {
    release = source.begin(mode, options.inactivityTimeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    state = "open";
  };

  const finish = (): void => {
    const wasOpen = state === "open";
    state = "done";
    if (!wasOpen) return;
    signal?.removeEventListener("abort", onAbort);
    release?.();
  };

  /** The next picked value among the buffered events; undefined once none is buffered. */
  const take = (): IteratorResult<T> | undefined => {
    for (;;) {
      if (signal?.aborted)
        throw new CodexAbortError(`reading turn ${source.describe().turnId} was aborted`, {
          cause: signal.reason,
        });
      const n = log.shift();
      if (n === undefined) return undefined;
      const value = pick(n);
      if (value !== undefined) return { value, done: false };
    }
  };

  const wait = async (): Promise<IteratorResult<T>> => {
    try {
      for (;;) {
        if (state === "done") return { value: undefined, done: true };
        const next = take();
        if (next !== undefined) return next;
        if (log.isEnded) {
          if (log.error) throw log.error;
          finish();
          return { value: undefined, done: true };
        }
        const inactive = source.inactiveError(mode);
        if (inactive) throw inactive;
        await log.waitForEvent();
      }
    } catch (error) {
      finish();
      throw error;
    }
  };

  const settled = (promise: Promise<IteratorResult<T>>): void => {
    if (inFlight === promise) inFlight = undefined;
  };

  const iterator: AsyncIterableIterator<T> = {
    next: (): Promise<IteratorResult<T>> => {
      // The hot path: a reader in the middle of a batch of buffered events.
      if (state === "open" && inFlight === undefined && signal?.aborted !== true) {
        for (let n = log.shift(); n !== undefined; n = log.shift()) {
          const value = pick(n);
          if (value !== undefined) return Promise.resolve({ value, done: false });
        }
      }
      if (inFlight !== undefined) {
        return inFlight.then(
          () => iterator.next(),
          () => iterator.next(),
        );
      }
      if (state === "done") return Promise.resolve({ value: undefined, done: true });
      try {
        if (state === "new") begin();
        const next = take();
        if (next !== undefined) return Promise.resolve(next);
      } catch (error) {
        finish();
        return Promise.reject(error);
      }
      const promise = wait();
      inFlight = promise;
      promise.then(
        () => settled(promise),
        () => settled(promise),
      );
      return promise;
    },
    return: (value?: unknown): Promise<IteratorResult<T>> => {
      finish();
      const done = { value: value as T, done: true } as const;
      if (inFlight === undefined) return Promise.resolve(done);
      // A `next()` is waiting for an event: wake it; it sees the reader is done.
      log.interruptWait();
      return inFlight.then(
        () => done,
        () => done,
      );
    },
    throw: (error?: unknown): Promise<IteratorResult<T>> => {
      if (inFlight !== undefined) {
        return inFlight.then(
          () => (iterator.throw as (e?: unknown) => Promise<IteratorResult<T>>)(error),
          () => (iterator.throw as (e?: unknown) => Promise<IteratorResult<T>>)(error),
        );
      }
      finish();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

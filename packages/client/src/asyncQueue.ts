import { CodexAbortError } from "@codex-app-server/transport";

export interface AsyncQueueIterateOptions {
  signal?: AbortSignal | undefined;
  /** Runs once when the stream is done, however it ends: drained, aborted, `return()` before any `next()`. */
  onDone?: () => void;
  /** An error to throw at once (the client is already closed). */
  closedError?: () => Error | undefined;
}

/**
 * A small unbounded queue read as one async iterator; for low-rate streams (notifications, approvals).
 * The iterator is written by hand rather than as a generator so that `return()` cleans up at any
 * moment, before the first `next()` too (a generator's `finally` never runs when it never started).
 */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private endError: Error | undefined;

  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.wake?.();
  }

  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.endError = error;
    this.wake?.();
  }

  iterate(options: AsyncQueueIterateOptions = {}): AsyncIterableIterator<T> {
    const { signal } = options;
    let done = false;
    const onAbort = () => this.wake?.();
    const finish = () => {
      if (done) return;
      done = true;
      signal?.removeEventListener("abort", onAbort);
      this.ended = true;
      this.items.length = 0;
      options.onDone?.();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const closed = options.closedError?.();
    if (closed) this.end(closed);

    const next = async (): Promise<IteratorResult<T>> => {
      for (;;) {
        if (done) return { value: undefined, done: true };
        if (signal?.aborted) {
          finish();
          throw new CodexAbortError("the stream was aborted", { cause: signal.reason });
        }
        if (this.items.length > 0) return { value: this.items.shift() as T, done: false };
        if (this.ended) {
          const error = this.endError;
          finish();
          if (error) throw error;
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => {
          this.wake = () => {
            this.wake = undefined;
            resolve();
          };
        });
      }
    };
    const iterator: AsyncIterableIterator<T> = {
      next,
      return: async (value?: unknown) => {
        finish();
        this.wake?.();
        return { value: value as T, done: true };
      },
      throw: async (error?: unknown) => {
        finish();
        this.wake?.();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}

import { CodexAbortError } from "@codex-app-server/transport";

/** A small unbounded queue read as an async iterator; for low-rate streams (notifications, approvals). */
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

  async *iterate(options: {
    signal?: AbortSignal | undefined;
    onDone?: () => void;
    closedError?: () => Error | undefined;
  }): AsyncGenerator<T, void, undefined> {
    const { signal } = options;
    const onAbort = () => this.wake?.();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const closed = options.closedError?.();
      if (closed) throw closed;
      for (;;) {
        if (signal?.aborted) throw new CodexAbortError("the stream was aborted", { cause: signal.reason });
        const item = this.items.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        if (this.ended) {
          if (this.endError) throw this.endError;
          return;
        }
        await new Promise<void>((resolve) => {
          this.wake = () => {
            this.wake = undefined;
            resolve();
          };
        });
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.ended = true;
      options.onDone?.();
    }
  }
}

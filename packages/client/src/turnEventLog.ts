/**
 * The events of one turn not yet consumed, behind one cursor. Events are kept from the turn's start
 * until a reader consumes them, then dropped, so memory follows the reader's lag, not the turn's length.
 */
export class TurnEventLog<T> {
  private buffer: T[] = [];
  private head = 0;
  private consumedCount = 0;
  private ended = false;
  private endError: Error | undefined;
  private wake: (() => void) | undefined;

  /** How many events were consumed so far: the continuation cursor. */
  get cursor(): number {
    return this.consumedCount;
  }

  get unread(): number {
    return this.buffer.length - this.head;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  push(event: T): void {
    this.buffer.push(event);
    const wake = this.wake;
    if (wake) {
      this.wake = undefined;
      wake();
    }
  }

  /** No more events will come; readers finish once they have drained what is left (or fail with `error`). */
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.endError = error;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Take the next unread event, if there is one. */
  shift(): T | undefined {
    if (this.head === this.buffer.length) return undefined;
    const event = this.buffer[this.head] as T;
    this.buffer[this.head] = undefined as T;
    this.head++;
    this.consumedCount++;
    if (this.head === this.buffer.length) {
      this.buffer.length = 0;
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
    return event;
  }

  /** Take every unread event. */
  drain(): T[] {
    const out = this.buffer.slice(this.head);
    this.consumedCount += out.length;
    this.buffer = [];
    this.head = 0;
    return out;
  }

  /** Error the log ended with, once drained. */
  get error(): Error | undefined {
    return this.endError;
  }

  /**
   * Resolves when there is something to read or the log ended. One waiter at a time: the turn has one
   * cursor, so one reader.
   */
  waitForEvent(): Promise<void> {
    if (this.head < this.buffer.length || this.ended) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  /** Wake a waiting reader without an event (for example when the turn went inactive). */
  interruptWait(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/**
 * The events of one turn not yet consumed, behind one cursor. Events are kept from the turn's start
 * until a reader consumes them, then dropped, so memory follows the reader's lag, not the turn's length.
 */
export class TurnEventLog<T> {
  private buffer: T[] = [];
  private head = 0;
  /** Events consumed before the ones in `buffer`: the cursor is this plus `head`. */
  private consumedBefore = 0;
  private ended = false;
  private endError: Error | undefined;
  private wake: (() => void) | undefined;

  /** How many events were consumed so far: the continuation cursor. */
  get cursor(): number {
    return this.consumedBefore + this.head;
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
    const buffer = this.buffer;
    const head = this.head;
    const length = buffer.length;
    if (head === length) return undefined;
    const event = buffer[head] as T;
    if (head + 1 === length) {
      // Drained: start over at the front.
      this.consumedBefore += length;
      this.head = 0;
      buffer.length = 0;
    } else {
      buffer[head] = undefined as T;
      this.head = head + 1;
      if (head >= 4096 && head * 2 >= length) {
        this.consumedBefore += head + 1;
        this.buffer = buffer.slice(head + 1);
        this.head = 0;
      }
    }
    return event;
  }

  /** Take every unread event. */
  drain(): T[] {
    const out = this.buffer.slice(this.head);
    this.consumedBefore += this.buffer.length;
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

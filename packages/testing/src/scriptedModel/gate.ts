/**
 * A latch a scripted reply waits on. The test learns that the stream got there (`reached`)
 * and decides when it goes on (`release()`), so nothing depends on wall-clock time.
 */
export class ReplyGate {
  readonly #released: Promise<void>;
  readonly #reached: Promise<void>;
  #release!: () => void;
  #markReached!: () => void;
  #isReleased = false;
  #isReached = false;

  constructor() {
    this.#released = new Promise<void>((resolve) => {
      this.#release = resolve;
    });
    this.#reached = new Promise<void>((resolve) => {
      this.#markReached = resolve;
    });
  }

  /** Resolves the first time a stream arrives at this gate. */
  get reached(): Promise<void> {
    return this.#reached;
  }

  /** Resolves once `release()` has been called. */
  get released(): Promise<void> {
    return this.#released;
  }

  get isReached(): boolean {
    return this.#isReached;
  }

  get isReleased(): boolean {
    return this.#isReleased;
  }

  /** Lets every stream waiting here (and every later one) go on. Idempotent. */
  release(): void {
    this.#isReleased = true;
    this.#release();
  }

  /** @internal Called by the model when a stream arrives here. */
  arrive(): Promise<void> {
    if (!this.#isReached) {
      this.#isReached = true;
      this.#markReached();
    }
    return this.#released;
  }
}

export function createGate(): ReplyGate {
  return new ReplyGate();
}

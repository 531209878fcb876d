/**
 * Deterministic ids shaped like the real server's: UUIDv7-looking thread and turn ids, item ids
 * like the model's (`msg_...`, `rs_...`, `call_...`). The same script always yields the same ids.
 */
export class FakeIds {
  private counter = 0;
  private readonly epochMs: number;

  constructor(epochMs = 1_760_000_000_000) {
    this.epochMs = epochMs;
  }

  uuidv7(): string {
    const n = ++this.counter;
    const ms = (this.epochMs + n).toString(16).padStart(12, "0");
    const tail = n.toString(16).padStart(12, "0");
    return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7000-8000-${tail}`;
  }

  item(prefix: string): string {
    return `${prefix}_${(++this.counter).toString(16).padStart(24, "0")}`;
  }

  /** Seconds since the epoch, advancing one per call, for `createdAt`-style fields. */
  seconds(): number {
    return Math.floor(this.epochMs / 1000) + ++this.counter;
  }
}

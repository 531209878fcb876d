import type { RequestId } from "@codex-app-server/protocol";
import { CodexAbortError, CodexTimeoutError } from "./errors/localErrors.js";

/** A request waiting for its answer. Taken out of the table exactly once, already cleaned up. */
export interface PendingRequest {
  readonly id: number;
  readonly method: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

interface Entry extends PendingRequest {
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * The requests this side sent and is waiting on, by id. Ids come from a counter. Every way a
 * request can end (answer, error, timeout, abort, close, failed send) goes through `take`, which
 * removes the entry and clears its timer and abort listener in one place.
 */
export class PendingRequests {
  private readonly entries = new Map<RequestId, Entry>();
  private readonly firstId: number;
  private lastId: number;

  /** Ids count up from `firstId` (default 1; the real app-server numbers its own requests from 0). */
  constructor(firstId = 1) {
    this.firstId = firstId;
    this.lastId = firstId - 1;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Registers a request. The timer and the abort listener reject it through `take`.
   * The caller checks `signal.aborted` first: an aborted signal must not reach here.
   */
  add(
    method: string,
    timeoutMs: number | null,
    signal: AbortSignal | undefined,
  ): { id: number; promise: Promise<unknown> } {
    const id = ++this.lastId;
    let entry!: Entry;
    const promise = new Promise<unknown>((resolve, reject) => {
      entry = { id, method, resolve, reject, timer: undefined, signal, onAbort: undefined };
    });
    if (timeoutMs !== null) {
      entry.timer = setTimeout(() => {
        this.take(id)?.reject(
          new CodexTimeoutError(`request ${method} timed out after ${timeoutMs} ms`, { method, timeoutMs }),
        );
      }, timeoutMs);
    }
    if (signal) {
      entry.onAbort = () => {
        this.take(id)?.reject(
          new CodexAbortError(`request ${method} was aborted`, { method, cause: signal.reason }),
        );
      };
      signal.addEventListener("abort", entry.onAbort, { once: true });
    }
    this.entries.set(id, entry);
    return { id, promise };
  }

  has(id: RequestId): boolean {
    return this.entries.has(id);
  }

  /** The method of the pending request `id`; undefined when none is pending. */
  methodOf(id: RequestId): string | undefined {
    return this.entries.get(id)?.method;
  }

  /** Whether `id` is one this side handed out (pending or not). */
  wasIssued(id: RequestId): boolean {
    return typeof id === "number" && Number.isInteger(id) && id >= this.firstId && id <= this.lastId;
  }

  /** Removes the request and clears its timer and abort listener; undefined when it is not pending. */
  take(id: RequestId): PendingRequest | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    this.entries.delete(id);
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    if (entry.onAbort !== undefined) entry.signal?.removeEventListener("abort", entry.onAbort);
    return entry;
  }

  /** Takes the pending requests `keep` says no to, in the order they were sent; the others stay pending. */
  takeAllBut(keep: (id: number) => boolean): PendingRequest[] {
    const taken: PendingRequest[] = [];
    for (const id of [...this.entries.keys()]) {
      if (keep(id as number)) continue;
      const entry = this.take(id);
      if (entry) taken.push(entry);
    }
    return taken;
  }

  /** Takes every pending request, in the order they were sent. */
  takeAll(): PendingRequest[] {
    const ids = [...this.entries.keys()];
    const taken: PendingRequest[] = [];
    for (const id of ids) {
      const entry = this.take(id);
      if (entry) taken.push(entry);
    }
    return taken;
  }
}

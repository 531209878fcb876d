import { CodexAbortError } from "./errors/localErrors.js";
import { ServerBusyError } from "./errors/rpcErrors.js";

export interface RetryOnOverloadOptions {
  /** Attempts in total, the first included. Default 3. */
  maxAttempts?: number;
  /** Wait before the second attempt; doubled for each attempt after. Default 250 ms. */
  initialDelayMs?: number;
  /** No wait is longer than this, jitter included. Default 2000 ms. */
  maxDelayMs?: number;
  /** Each wait is moved up or down by up to this fraction of itself. Default 0.2. */
  jitterRatio?: number;
  /** Aborts the wait between attempts (the timer is cleared and the rejection is a `CodexAbortError`). */
  signal?: AbortSignal;
  /** Source of randomness in [0, 1) for the jitter. Default `Math.random`. */
  random?: () => number;
}

/** True only for the server's overload answer (-32001): the one error that is safe to retry as is. */
export function isRetryableError(error: unknown): error is ServerBusyError {
  return error instanceof ServerBusyError;
}

/**
 * Runs `op`, and runs it again after a backoff while it fails with `ServerBusyError`. Any other
 * error is rethrown at once; after `maxAttempts` the last `ServerBusyError` is rethrown.
 * `attempt` counts from 1.
 */
export async function retryOnOverload<T>(
  op: (attempt: number) => Promise<T>,
  options: RetryOnOverloadOptions = {},
): Promise<T> {
  const {
    maxAttempts = 3,
    initialDelayMs = 250,
    maxDelayMs = 2000,
    jitterRatio = 0.2,
    signal,
    random = Math.random,
  } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be an integer >= 1, got ${maxAttempts}`);
  }
  if (!(initialDelayMs >= 0) || !(maxDelayMs >= 0)) {
    throw new RangeError("initialDelayMs and maxDelayMs must be >= 0");
  }
  if (!(jitterRatio >= 0 && jitterRatio <= 1)) {
    throw new RangeError(`jitterRatio must be between 0 and 1, got ${jitterRatio}`);
  }

  for (let attempt = 1; ; attempt++) {
    throwIfAborted(signal);
    try {
      return await op(attempt);
    } catch (error) {
      if (!isRetryableError(error) || attempt >= maxAttempts) throw error;
    }
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
    const jittered = base * (1 + jitterRatio * (2 * random() - 1));
    await delay(Math.max(0, Math.min(maxDelayMs, jittered)), signal);
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new CodexAbortError("retry aborted", { cause: signal.reason });
  }
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    throwIfAborted(signal);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CodexAbortError("retry aborted while waiting to retry", { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * How a websocket or unix-socket client reconnects when its connection drops (not when you close it).
 * Attempt `n` (from 1) waits `min(maxDelayMs, initialDelayMs * factor^(n-1))`, minus a random part of
 * up to `jitter` of it, so that many clients cut off at once do not come back at once.
 */
export interface ReconnectOptions {
  /** Attempts before giving up (every turn then fails with the cause). Default 8. */
  maxAttempts?: number;
  /** Wait before the first attempt. Default 250 ms. */
  initialDelayMs?: number;
  /** The longest wait between attempts. Default 10 000 ms. */
  maxDelayMs?: number;
  /** Growth of the wait per attempt. Default 2. */
  factor?: number;
  /** Fraction of each wait that is random, 0 to 1. Default 0.5. */
  jitter?: number;
}

export type ResolvedReconnectOptions = Required<ReconnectOptions>;

export const DEFAULT_RECONNECT: ResolvedReconnectOptions = {
  maxAttempts: 8,
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  factor: 2,
  jitter: 0.5,
};

/** The options in force: `false` turns reconnection off (`null`). */
export function reconnectOptionsOf(
  option: ReconnectOptions | boolean | undefined,
): ResolvedReconnectOptions | null {
  if (option === false) return null;
  const given = option === true || option === undefined ? {} : option;
  const resolved = { ...DEFAULT_RECONNECT };
  for (const key of Object.keys(DEFAULT_RECONNECT) as (keyof ReconnectOptions)[]) {
    const value = given[key];
    if (value !== undefined) resolved[key] = value;
  }
  const { maxAttempts, initialDelayMs, maxDelayMs, factor, jitter } = resolved;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new RangeError("reconnect.maxAttempts must be a positive integer");
  if (!(initialDelayMs >= 0) || !(maxDelayMs >= initialDelayMs)) {
    throw new RangeError("reconnect delays must be non-negative, maxDelayMs at least initialDelayMs");
  }
  if (!(factor >= 1)) throw new RangeError("reconnect.factor must be at least 1");
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError("reconnect.jitter must be between 0 and 1");
  return resolved;
}

/** The wait before attempt `attempt` (from 1); `random` returns a number in [0, 1). */
export function backoffDelay(
  attempt: number,
  options: ResolvedReconnectOptions,
  random: () => number = Math.random,
): number {
  const exponential = options.initialDelayMs * options.factor ** Math.max(0, attempt - 1);
  const ceiling = Math.min(options.maxDelayMs, exponential);
  return Math.round(ceiling * (1 - options.jitter * random()));
}

/**
 * Requests that only read (`.../read`, `.../list`: `thread/read`, `model/list`, `config/read`...): one
 * waiting when the connection drops is sent again once the client is back, instead of failing. Anything
 * else fails with `CodexConnectionLostError` (the server may have done it).
 */
export function isResentRead(method: string): boolean {
  return method.endsWith("/read") || method.endsWith("/list");
}

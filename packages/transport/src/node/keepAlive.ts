/** A ping every 15 s... */
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 15_000;
/** ...answered within 10 s: a peer that went silent is noticed within 25 s, before the 30 s request timeout. */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 10_000;

export interface KeepAliveOptions {
  /**
   * Sends a WebSocket ping this often once connected, to notice a server that stopped answering
   * without closing the connection (a frozen process, a host that vanished, a dropped NAT entry).
   * `false` or `null`: no pings. Default 15 000 ms. Only the `ws` package can ping: with a
   * `WebSocketImpl` the option does nothing (see the README).
   */
  keepAliveIntervalMs?: number | false | null;
  /**
   * How long a ping may go unanswered. Past it the connection is dropped and closes with a
   * `CodexKeepAliveTimeoutError`, which is then the `cause` of every pending request's rejection.
   * Default 10 000 ms.
   */
  keepAliveTimeoutMs?: number;
}

export interface KeepAliveSettings {
  intervalMs: number;
  timeoutMs: number;
}

/** The settings for `options`, or `null` when keepalive is off. Throws `RangeError` on a bad value. */
export function keepAliveSettings(options: KeepAliveOptions): KeepAliveSettings | null {
  const interval = options.keepAliveIntervalMs;
  if (interval === false || interval === null) return null;
  const intervalMs = interval ?? DEFAULT_KEEPALIVE_INTERVAL_MS;
  const timeoutMs = options.keepAliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS;
  for (const [name, value] of [
    ["keepAliveIntervalMs", intervalMs],
    ["keepAliveTimeoutMs", timeoutMs],
  ] as const) {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`${name} must be a positive number of milliseconds, got ${String(value)}`);
    }
  }
  return { intervalMs, timeoutMs };
}

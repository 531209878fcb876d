import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_RECONNECT, isResentRead, reconnectOptionsOf } from "./reconnect.js";

describe("reconnect backoff", () => {
  const options = { ...DEFAULT_RECONNECT, initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 };

  it("grows by the factor from the initial delay and stops at the bound", () => {
    const none = () => 0;
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, options, none))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it("takes off up to `jitter` of each wait at random, never more", () => {
    expect(backoffDelay(3, options, () => 0.999_999)).toBe(200);
    expect(backoffDelay(3, options, () => 0.5)).toBe(300);
    expect(backoffDelay(3, { ...options, jitter: 0 }, () => 0.9)).toBe(400);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(10, options);
      expect(delay).toBeGreaterThanOrEqual(500);
      expect(delay).toBeLessThanOrEqual(1000);
    }
  });

  it("is on by default with a bound, off with false, and refuses options that make no sense", () => {
    expect(reconnectOptionsOf(undefined)).toEqual(DEFAULT_RECONNECT);
    expect(reconnectOptionsOf(true)).toEqual(DEFAULT_RECONNECT);
    expect(reconnectOptionsOf(false)).toBeNull();
    expect(reconnectOptionsOf({ maxAttempts: 3 })).toEqual({ ...DEFAULT_RECONNECT, maxAttempts: 3 });
    expect(DEFAULT_RECONNECT.maxAttempts).toBeGreaterThan(0);
    expect(() => reconnectOptionsOf({ maxAttempts: 0 })).toThrow(RangeError);
    expect(() => reconnectOptionsOf({ jitter: 2 })).toThrow(RangeError);
    expect(() => reconnectOptionsOf({ factor: 0.5 })).toThrow(RangeError);
    expect(() => reconnectOptionsOf({ initialDelayMs: 500, maxDelayMs: 100 })).toThrow(RangeError);
  });

  it("sends reads again after a reconnection, nothing that changes state", () => {
    expect(["thread/read", "thread/list", "model/list", "config/read"].every(isResentRead)).toBe(true);
    expect(["turn/start", "thread/start", "config/value/write", "turn/interrupt"].some(isResentRead)).toBe(
      false,
    );
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { CodexTimeoutError } from "./errors/localErrors.js";
import { PendingRequests } from "./pendingRequests.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("PendingRequests", () => {
  it("hands out ids from a counter and knows which ids it issued", () => {
    const pending = new PendingRequests();
    const a = pending.add("a", null, undefined);
    const b = pending.add("b", null, undefined);
    expect([a.id, b.id]).toEqual([1, 2]);
    expect(pending.wasIssued(2)).toBe(true);
    expect(pending.wasIssued(3)).toBe(false);
    expect(pending.wasIssued("1")).toBe(false);
    expect(pending.wasIssued(0)).toBe(false);
    expect(pending.wasIssued(1.5)).toBe(false);
  });

  it("takes an entry exactly once", async () => {
    const pending = new PendingRequests();
    const { id, promise } = pending.add("a", null, undefined);
    const entry = pending.take(id);
    expect(entry?.method).toBe("a");
    expect(pending.take(id)).toBeUndefined();
    entry?.resolve("value");
    await expect(promise).resolves.toBe("value");
    expect(pending.size).toBe(0);
  });

  it("takeAll empties the table in the order requests were sent and clears their timers", () => {
    vi.useFakeTimers();
    const pending = new PendingRequests();
    pending.add("a", 100, undefined).promise.catch(() => {});
    pending.add("b", 100, undefined).promise.catch(() => {});
    expect(vi.getTimerCount()).toBe(2);
    expect(pending.takeAll().map((entry) => entry.method)).toEqual(["a", "b"]);
    expect(pending.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a timeout takes the entry, so a later answer finds nothing", async () => {
    vi.useFakeTimers();
    const pending = new PendingRequests();
    const { id, promise } = pending.add("slow", 10, undefined);
    const settled = promise.catch((e: unknown) => e);
    vi.advanceTimersByTime(10);
    expect(await settled).toBeInstanceOf(CodexTimeoutError);
    expect(pending.take(id)).toBeUndefined();
  });
});

describe("request ids", () => {
  it("count up from the first id", () => {
    const fromZero = new PendingRequests(0);
    const ids = [fromZero.add("a", null, undefined), fromZero.add("b", null, undefined)].map((r) => r.id);
    expect(ids).toEqual([0, 1]);
    expect(new PendingRequests().add("c", null, undefined).id).toBe(1);
  });

  it("count as issued from the first id, not from 1", () => {
    const fromZero = new PendingRequests(0);
    const { id } = fromZero.add("a", null, undefined);
    fromZero.take(id);
    expect(fromZero.wasIssued(0)).toBe(true);
    expect(fromZero.wasIssued(-1)).toBe(false);
    expect(fromZero.wasIssued(1)).toBe(false);
  });
});

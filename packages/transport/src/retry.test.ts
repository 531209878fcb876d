import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CodexAbortError } from "./errors/localErrors.js";
import { CodexInternalError, CodexProtocolError, ServerBusyError } from "./errors/rpcErrors.js";
import { isRetryableError, retryOnOverload } from "./retry.js";

const busy = () => new ServerBusyError("Server overloaded; retry later.");

/** An op that fails with the given errors in turn, then returns "done"; it records when it ran. */
function scripted(failures: Error[]) {
  const startedAt: number[] = [];
  const op = vi.fn(async (_attempt: number) => {
    startedAt.push(Date.now());
    const failure = failures[startedAt.length - 1];
    if (failure) throw failure;
    return "done";
  });
  return { op, startedAt };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("isRetryableError", () => {
  it("is true only for the overload answer", () => {
    expect(isRetryableError(busy())).toBe(true);
    expect(isRetryableError(new CodexInternalError("x"))).toBe(false);
    expect(isRetryableError(new CodexProtocolError(-32000, "x"))).toBe(false);
    expect(isRetryableError(new Error("Server overloaded; retry later."))).toBe(false);
    expect(isRetryableError({ code: -32001 })).toBe(false);
    expect(isRetryableError(undefined)).toBe(false);
  });
});

describe("retryOnOverload", () => {
  it("returns at once when the first attempt succeeds", async () => {
    const { op } = scripted([]);
    await expect(retryOnOverload(op)).resolves.toBe("done");
    expect(op).toHaveBeenCalledTimes(1);
    expect(op).toHaveBeenCalledWith(1);
  });

  it("backs off exponentially (no jitter) and succeeds on a later attempt", async () => {
    const { op, startedAt } = scripted([busy(), busy(), busy()]);
    const result = retryOnOverload(op, { maxAttempts: 4, initialDelayMs: 100, jitterRatio: 0 });
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe("done");
    expect(op.mock.calls.map(([attempt]) => attempt)).toEqual([1, 2, 3, 4]);
    expect(startedAt).toEqual([0, 100, 300, 700]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("caps every wait at maxDelayMs", async () => {
    const { op, startedAt } = scripted([busy(), busy(), busy(), busy()]);
    const result = retryOnOverload(op, {
      maxAttempts: 5,
      initialDelayMs: 400,
      maxDelayMs: 1000,
      jitterRatio: 0.5,
      random: () => 0.9,
    });
    await vi.runAllTimersAsync();
    await result;
    const waits = startedAt.slice(1).map((t, i) => t - (startedAt[i] ?? 0));
    expect(waits).toEqual([560, 1000, 1000, 1000]);
  });

  it("moves each wait by up to jitterRatio of itself", async () => {
    const low = scripted([busy()]);
    const lowRun = retryOnOverload(low.op, { initialDelayMs: 1000, maxDelayMs: 5000, random: () => 0 });
    await vi.runAllTimersAsync();
    await lowRun;
    expect(low.startedAt[1]! - low.startedAt[0]!).toBe(800);

    const high = scripted([busy()]);
    const start = Date.now();
    const highRun = retryOnOverload(high.op, { initialDelayMs: 1000, maxDelayMs: 5000, random: () => 0.75 });
    await vi.runAllTimersAsync();
    await highRun;
    expect(high.startedAt[1]! - start).toBe(1100);
  });

  it("rethrows the last overload error after maxAttempts", async () => {
    const errors = [busy(), busy(), busy()];
    const { op } = scripted(errors);
    const result = retryOnOverload(op, { maxAttempts: 3 }).catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    expect(await result).toBe(errors[2]);
    expect(op).toHaveBeenCalledTimes(3);
  });

  it("rethrows any other error without retrying", async () => {
    const other = new CodexInternalError("boom");
    const { op } = scripted([other]);
    await expect(retryOnOverload(op)).rejects.toBe(other);
    expect(op).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("aborts during the wait: the timer is cleared and the listener removed", async () => {
    const controller = new AbortController();
    const { op } = scripted([busy(), busy()]);
    const result = retryOnOverload(op, { signal: controller.signal }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1);
    expect(op).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(1);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort("user cancelled");
    const error = await result;
    expect(error).toBeInstanceOf(CodexAbortError);
    expect((error as Error).cause).toBe("user cancelled");
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(op).toHaveBeenCalledTimes(1);
  });

  it("removes its listener after each completed wait", async () => {
    const controller = new AbortController();
    const { op } = scripted([busy(), busy()]);
    const result = retryOnOverload(op, { signal: controller.signal });
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe("done");
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("does not run at all with an already-aborted signal", async () => {
    const { op } = scripted([]);
    await expect(retryOnOverload(op, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      CodexAbortError,
    );
    expect(op).not.toHaveBeenCalled();
  });

  it("refuses nonsensical options", async () => {
    const { op } = scripted([]);
    await expect(retryOnOverload(op, { maxAttempts: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(retryOnOverload(op, { jitterRatio: 2 })).rejects.toBeInstanceOf(RangeError);
    await expect(retryOnOverload(op, { initialDelayMs: -1 })).rejects.toBeInstanceOf(RangeError);
    expect(op).not.toHaveBeenCalled();
  });
});

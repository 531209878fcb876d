import { describe, expect, it } from "vitest";
import { median, percentile } from "./stats.js";

describe("median", () => {
  it("takes the middle value, or the mean of the two middle ones, whatever the order", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it("refuses no values", () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe("percentile", () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);

  it("is the nearest-rank percentile", () => {
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([3, 1, 2], 50)).toBe(2);
  });

  it("refuses no values and a percentile outside (0, 100]", () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile(values, 0)).toThrow(RangeError);
    expect(() => percentile(values, 101)).toThrow(RangeError);
  });
});

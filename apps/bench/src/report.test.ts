import { describe, expect, it } from "vitest";
import { measurement } from "./measurement.js";
import { formatNumber, formatTable, toJsonLine } from "./report.js";

const rows = [
  measurement({
    name: "stream.sdk",
    value: 712_609.4,
    unit: "msg/s",
    better: "higher",
    baseline: 937_937,
    target: 1.5,
  }),
  measurement({
    name: "latency.p50",
    value: 31.46,
    unit: "µs",
    better: "lower",
    baseline: 20,
    target: 1.3,
    note: "rt",
  }),
  measurement({ name: "memory.heap", value: 19.3, unit: "MiB", better: "lower" }),
];

describe("toJsonLine", () => {
  it("writes exactly name, value, unit, baseline and ratio", () => {
    const parsed = JSON.parse(toJsonLine(rows[2]!));
    expect(parsed).toEqual({ name: "memory.heap", value: 19.3, unit: "MiB", baseline: null, ratio: null });
    expect(Object.keys(JSON.parse(toJsonLine(rows[0]!)))).toEqual([
      "name",
      "value",
      "unit",
      "baseline",
      "ratio",
    ]);
  });
});

describe("formatNumber", () => {
  it("separates thousands above 1000 and keeps three significant digits below", () => {
    expect(formatNumber(712_609.4)).toBe("712,609");
    expect(formatNumber(31.46)).toBe("31.5");
    expect(formatNumber(0.0123456)).toBe("0.0123");
    expect(formatNumber(null)).toBe("-");
  });
});

describe("formatTable", () => {
  it("pads every column to one width, numbers to the right, and says whether each target is met", () => {
    const lines = formatTable(rows).split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^name +value +unit +baseline +ratio +target +what$/);
    expect(lines[2]).toContain("1.32x");
    expect(lines[2]).toContain("<= 1.5x met");
    expect(lines[3]).toContain("1.57x");
    expect(lines[3]).toContain("<= 1.3x MISSED");
    const valueEnd = (line: string | undefined, text: string) => (line ?? "").indexOf(text) + text.length;
    expect(valueEnd(lines[2], "712,609")).toBe(valueEnd(lines[3], "31.5"));
  });
});

import { describe, expect, it } from "vitest";
import { measurement, meetsTarget } from "./measurement.js";

describe("measurement", () => {
  it("gives the SDK's cost relative to the baseline, for times and for rates alike", () => {
    expect(measurement({ name: "t", value: 30, unit: "ms", better: "lower", baseline: 20 }).ratio).toBe(1.5);
    expect(
      measurement({ name: "r", value: 500, unit: "msg/s", better: "higher", baseline: 1000 }).ratio,
    ).toBe(2);
  });

  it("has no ratio without a baseline", () => {
    const m = measurement({ name: "m", value: 3, unit: "MiB", better: "lower" });
    expect(m.baseline).toBeNull();
    expect(m.ratio).toBeNull();
  });

  it("meets a target when the ratio is at most the target", () => {
    const at = (value: number) =>
      measurement({ name: "t", value, unit: "ms", better: "lower", baseline: 10, target: 1.5 });
    expect(meetsTarget(at(15))).toBe(true);
    expect(meetsTarget(at(16))).toBe(false);
    expect(meetsTarget(measurement({ name: "n", value: 1, unit: "ms", better: "lower" }))).toBeUndefined();
  });
});

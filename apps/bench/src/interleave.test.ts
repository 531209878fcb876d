import { describe, expect, it } from "vitest";
import { type Arm, interleave } from "./interleave.js";

describe("interleave", () => {
  it("alternates the arms, starting one arm further each round, and drops the warm-up rounds", async () => {
    const order: string[] = [];
    const arm = (name: string): Arm<string> => ({
      name,
      run: async (round) => {
        order.push(`${name}${round}`);
        return `${name}${round}`;
      },
    });
    const [a, b, c] = await interleave([arm("a"), arm("b"), arm("c")], { reps: 2, warmup: 1 });
    expect(order).toEqual(["a0", "b0", "c0", "b1", "c1", "a1", "c2", "a2", "b2"]);
    expect(a).toEqual(["a1", "a2"]);
    expect(b).toEqual(["b1", "b2"]);
    expect(c).toEqual(["c1", "c2"]);
  });
});

import { describe, expect, it } from "vitest";
import { actorTurns } from "./actorTurns.js";

describe("actorTurns", () => {
  it.each(["sdk", "floor"] as const)("%s: every turn's actor ends and frees its thread", (kind) => {
    const sample = actorTurns(kind, 50);
    expect(sample.turns).toBe(50);
    expect(sample.cpuMs).toBeGreaterThanOrEqual(0);
  });
});

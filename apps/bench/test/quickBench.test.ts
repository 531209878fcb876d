import { describe, expect, it } from "vitest";
import { runBench } from "./support/benchProcess.js";

const BENCHMARKS = ["stream", "latency", "concurrency", "turns", "memory", "real-server", "connect"];

interface JsonMeasurement {
  name: string;
  value: number;
  unit: string;
  baseline: number | null;
  ratio: number | null;
}

describe("codex-sdk-bench --quick", () => {
  it("runs every benchmark and prints one {name, value, unit, baseline, ratio} object per line", async () => {
    const run = await runBench(["--quick", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    const measurements = lines.map((line) => JSON.parse(line) as JsonMeasurement);
    for (const m of measurements) {
      expect(Object.keys(m)).toEqual(["name", "value", "unit", "baseline", "ratio"]);
      expect(typeof m.name).toBe("string");
      expect(Number.isFinite(m.value) && m.value > 0, m.name).toBe(true);
      expect(m.unit.length).toBeGreaterThan(0);
      if (m.baseline === null) expect(m.ratio).toBeNull();
      else {
        expect(m.baseline).toBeGreaterThan(0);
        expect(m.ratio).toBeGreaterThan(0);
      }
    }
    const benchmarks = new Set(measurements.map((m) => m.name.split(".")[0]));
    expect([...benchmarks]).toEqual(BENCHMARKS);
    const names = measurements.map((m) => m.name);
    for (const name of [
      "stream.sdk_lenient",
      "stream.sdk_off",
      "latency.p50",
      "latency.p99",
      "turns.cpu_per_turn",
      "turns.thread_scale",
      "real-server.turn",
      "connect.sdk",
      "connect.sdk_import",
    ]) {
      expect(names).toContain(name);
    }
  });

  it("prints a table, and runs only the benchmarks --only names", async () => {
    const run = await runBench(["--quick", "--only", "latency"]);
    expect(run.code, run.stderr).toBe(0);
    const [note, header, rule, ...rows] = run.stdout.trim().split("\n");
    expect(note).toContain("--quick");
    expect(header?.split(/\s{2,}/)).toEqual(["name", "value", "unit", "baseline", "ratio", "target", "what"]);
    expect(rule).toMatch(/^-+( +-+)+$/);
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual(["latency.p50", "latency.p99"]);
    expect(run.stderr).toContain("== latency");
  });

  it("refuses an unknown benchmark name with a non-zero exit and the known names", async () => {
    const run = await runBench(["--only", "nope"]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("unknown benchmark nope");
    expect(run.stderr).toContain("stream, latency, concurrency, turns, memory, real-server");
  });
});

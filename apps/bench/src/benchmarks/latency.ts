import { CodexClient } from "@codex-app-server/client";
import { StdioTransport } from "@codex-app-server/transport/stdio";
import type { BenchContext, Benchmark } from "../benchmark.js";
import { type Arm, interleave } from "../interleave.js";
import { type Measurement, measurement } from "../measurement.js";
import { median, percentile } from "../stats.js";
import { fakeServer } from "../support/fakeServer.js";
import { LineClient } from "../support/lineClient.js";

interface LatencySample {
  p50: number;
  p99: number;
}

function summarize(samples: number[]): LatencySample {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/**
 * `latency`: sequential `model/list` round trips to the fake over stdio, each awaited before the
 * next. Two long-lived connections to two children of the same fake binary: one through
 * `CodexClient.listModels()` (validation lenient), one through a bare JSON-lines loop. Blocks of
 * requests alternate between them; each block gives a p50 and a p99, and the medians of those are
 * reported.
 */
export const latencyBenchmark: Benchmark = {
  name: "latency",
  summary: "10k sequential model/list round trips through CodexClient, vs a bare JSON-lines loop, same fake",
  async run(context: BenchContext): Promise<Measurement[]> {
    const reps = context.reps ?? (context.quick ? 2 : 5);
    const total = context.quick ? 400 : 10_000;
    const block = Math.max(1, Math.floor(total / reps));
    await using fake = await fakeServer({});
    const client = new CodexClient(new StdioTransport(fake.command));
    const bare = await LineClient.spawn(fake.command);
    try {
      await client.initialize();
      await bare.initialize();
      const arms: Arm<LatencySample>[] = [
        {
          name: "bare",
          run: async () => {
            const samples: number[] = [];
            for (let i = 0; i < block; i++) {
              const start = performance.now();
              const response = await bare.call("model/list", {});
              samples.push(performance.now() - start);
              if (response.result === undefined)
                throw new Error(`model/list failed: ${JSON.stringify(response)}`);
            }
            return summarize(samples);
          },
        },
        {
          name: "sdk",
          run: async () => {
            const samples: number[] = [];
            for (let i = 0; i < block; i++) {
              const start = performance.now();
              const response = await client.listModels();
              samples.push(performance.now() - start);
              if (!Array.isArray(response.data)) throw new Error("model/list answered without data");
            }
            return summarize(samples);
          },
        },
      ];
      const [bareBlocks, sdkBlocks] = await interleave(arms, {
        reps,
        onRound: (round, arm, s) => {
          context.log(
            `latency: ${round < 0 ? "warm-up" : `block ${round + 1}`} ${arm} ${block} requests: p50 ${(s.p50 * 1000).toFixed(0)} µs, p99 ${(s.p99 * 1000).toFixed(0)} µs`,
          );
        },
      });
      const stat = (blocks: LatencySample[] | undefined, key: keyof LatencySample) =>
        median((blocks ?? []).map((b) => b[key])) * 1000;
      return [
        measurement({
          name: "latency.p50",
          value: stat(sdkBlocks, "p50"),
          unit: "µs",
          better: "lower",
          baseline: stat(bareBlocks, "p50"),
          target: 1.3,
          note: `model/list round trip, median of ${reps} blocks of ${block}`,
        }),
        measurement({
          name: "latency.p99",
          value: stat(sdkBlocks, "p99"),
          unit: "µs",
          better: "lower",
          baseline: stat(bareBlocks, "p99"),
          target: 1.3,
          note: `model/list round trip, median of ${reps} blocks of ${block}`,
        }),
      ];
    } finally {
      await client.close();
      await bare.close();
    }
  },
};

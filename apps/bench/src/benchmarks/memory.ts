import { CodexClient } from "@codex-app-server/client";
import { StdioTransport } from "@codex-app-server/transport/stdio";
import type { BenchContext, Benchmark } from "../benchmark.js";
import { type Measurement, measurement } from "../measurement.js";
import { fakeServer } from "../support/fakeServer.js";
import { collectGarbage, retainedHeap } from "../support/gc.js";
import { MB, MemorySampler } from "../support/memorySampler.js";

/**
 * `memory`: one turn of N deltas from the fake (a child process, so its own memory is not ours),
 * consumed as steps only (`turn.steps()`, which yields completed items, not deltas). Nothing should
 * keep each raw event: the heap is measured after a full collection before the turn, every N/10
 * notifications during it (a listener forces the collection between two messages), and after it,
 * and sampled without collection for the peak.
 */
export const memoryBenchmark: Benchmark = {
  name: "memory",
  summary:
    "one turn of 1M deltas consumed through turn.steps(): heap before, during (retained and peak), after",
  async run(context: BenchContext): Promise<Measurement[]> {
    const deltas = context.quick ? 20_000 : 1_000_000;
    await using fake = await fakeServer({
      turns: [[{ type: "message", text: "ab".repeat(deltas), chunks: deltas, burst: true }]],
    });
    const client = new CodexClient(new StdioTransport(fake.command));
    try {
      await client.initialize();
      const thread = await client.startThread();
      const before = retainedHeap();
      let retainedMax = before;
      let seen = 0;
      const every = Math.max(1, Math.floor(deltas / 10));
      const off = client.onNotification(() => {
        if (++seen % every === 0) {
          const heap = retainedHeap();
          if (heap > retainedMax) retainedMax = heap;
        }
      });
      context.log(
        `memory: streaming ${deltas.toLocaleString()} deltas, heap before ${(before / MB).toFixed(1)} MiB`,
      );
      const sampler = new MemorySampler();
      const start = performance.now();
      const turn = await thread.turn("a long answer, please");
      const steps: string[] = [];
      for await (const step of turn.steps()) steps.push(step.stepType);
      const ms = performance.now() - start;
      const peaks = sampler.stop();
      off();
      const result = await turn.result();
      if (
        result.status !== "completed" ||
        result.finalResponse?.length !== deltas * 2 ||
        !steps.includes("codex")
      ) {
        throw new Error(`memory: the turn ended ${result.status} with ${result.finalResponse?.length} chars`);
      }
      collectGarbage();
      const after = process.memoryUsage().heapUsed;
      context.log(
        `memory: ${seen.toLocaleString()} notifications in ${ms.toFixed(0)} ms; retained max ${(retainedMax / MB).toFixed(1)} MiB, peak ${(peaks.heapUsed / MB).toFixed(1)} MiB, after ${(after / MB).toFixed(1)} MiB`,
      );
      const finalText = `${((deltas * 2) / MB).toFixed(1)} MiB`;
      return [
        measurement({
          name: "memory.heap_before",
          value: before / MB,
          unit: "MiB",
          better: "lower",
          note: "after a full GC, thread started",
        }),
        measurement({
          name: "memory.heap_retained_max",
          value: retainedMax / MB,
          unit: "MiB",
          better: "lower",
          note: "largest heap after a full GC, taken every 10% of the stream",
        }),
        measurement({
          name: "memory.heap_peak",
          value: peaks.heapUsed / MB,
          unit: "MiB",
          better: "lower",
          note: "largest heap in use during the stream (garbage included)",
        }),
        measurement({
          name: "memory.heap_after",
          value: after / MB,
          unit: "MiB",
          better: "lower",
          note: `after a full GC, turn result held (its final text twice: ${finalText} each)`,
        }),
        measurement({
          name: "memory.throughput",
          value: seen / (ms / 1000),
          unit: "msg/s",
          better: "higher",
          note: "bounded by the fake producing the deltas",
        }),
      ];
    } finally {
      await client.close();
    }
  },
};

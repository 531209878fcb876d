import type { Benchmark } from "./benchmark.js";
import { concurrencyBenchmark } from "./benchmarks/concurrency.js";
import { connectBenchmark } from "./benchmarks/connect.js";
import { latencyBenchmark } from "./benchmarks/latency.js";
import { memoryBenchmark } from "./benchmarks/memory.js";
import { realServerBenchmark } from "./benchmarks/realServer.js";
import { streamBenchmark } from "./benchmarks/stream.js";
import { turnsBenchmark } from "./benchmarks/turns.js";

/** Every benchmark, in the order `pnpm bench` runs them. */
export const BENCHMARKS: readonly Benchmark[] = [
  streamBenchmark,
  latencyBenchmark,
  concurrencyBenchmark,
  turnsBenchmark,
  memoryBenchmark,
  realServerBenchmark,
  connectBenchmark,
];

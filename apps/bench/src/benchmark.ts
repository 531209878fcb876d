import type { Measurement } from "./measurement.js";

/** What every benchmark gets from the runner. */
export interface BenchContext {
  /** Small sizes and few repetitions: seconds, for a CI smoke run. */
  readonly quick: boolean;
  /** Overrides the benchmark's number of measured repetitions. */
  readonly reps: number | undefined;
  /** Progress for humans; goes to stderr so stdout stays machine-readable. */
  log(message: string): void;
}

export interface Benchmark {
  readonly name: string;
  /** One line: what is measured, and against which baseline. */
  readonly summary: string;
  run(context: BenchContext): Promise<Measurement[]>;
}

/** One side of a comparison: a name and one repetition of its work. */
export interface Arm<T> {
  readonly name: string;
  run(rep: number): Promise<T>;
}

export interface InterleaveOptions<T> {
  /** Measured repetitions per arm. */
  reps: number;
  /** Unmeasured rounds first (JIT warm-up, caches). Default 1. */
  warmup?: number;
  onRound?: (round: number, arm: string, sample: T) => void;
}

/**
 * Runs the arms in turn, A B A B ..., so that whatever drifts during the run (other processes on the
 * machine, thermal state, the heap) touches every arm alike. Each round starts one arm further
 * (A B C, B C A, C A B, ...), so no arm always follows the same one: what an arm leaves behind (a
 * process still exiting, garbage) is spread over all of them. Returns each arm's measured samples, in
 * arm order.
 */
export async function interleave<T>(arms: readonly Arm<T>[], options: InterleaveOptions<T>): Promise<T[][]> {
  const warmup = options.warmup ?? 1;
  const samples: T[][] = arms.map(() => []);
  for (let round = 0; round < warmup + options.reps; round++) {
    for (let step = 0; step < arms.length; step++) {
      const i = (round + step) % arms.length;
      const arm = arms[i] as Arm<T>;
      const sample = await arm.run(round);
      options.onRound?.(round - warmup, arm.name, sample);
      if (round >= warmup) samples[i]?.push(sample);
    }
  }
  return samples;
}

import { Command, InvalidArgumentError } from "commander";
import type { BenchContext, Benchmark } from "./benchmark.js";
import type { Measurement } from "./measurement.js";
import { BENCHMARKS } from "./registry.js";
import { formatTable, toJsonLine } from "./report.js";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface CliOptions {
  json: boolean;
  quick: boolean;
  only: string[] | undefined;
  reps: number | undefined;
  list: boolean;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError("expected a positive integer");
  return parsed;
}

function names(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean),
  ];
}

/** The benchmarks `--only` selects, in registry order; throws on an unknown name. */
export function selectBenchmarks(
  all: readonly Benchmark[],
  only: readonly string[] | undefined,
): Benchmark[] {
  if (only === undefined || only.length === 0) return [...all];
  const known = new Set(all.map((b) => b.name));
  const unknown = only.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown benchmark ${unknown.join(", ")}; expected one of ${[...known].join(", ")}`,
    );
  }
  return all.filter((b) => only.includes(b.name));
}

/** Runs the selected benchmarks one after the other; each one's figures are printed as soon as it ends. */
export async function runBenchmarks(
  selected: readonly Benchmark[],
  options: Pick<CliOptions, "json" | "quick" | "reps">,
  io: CliIo,
): Promise<Measurement[]> {
  const context: BenchContext = {
    quick: options.quick,
    reps: options.reps,
    log: (message) => io.stderr(`${message}\n`),
  };
  const all: Measurement[] = [];
  for (const benchmark of selected) {
    context.log(`== ${benchmark.name}: ${benchmark.summary}`);
    const measurements = await benchmark.run(context);
    all.push(...measurements);
    if (options.json) for (const m of measurements) io.stdout(`${toJsonLine(m)}\n`);
  }
  if (!options.json) {
    if (options.quick)
      io.stdout("--quick: small sizes for a smoke run; the targets are for the full sizes.\n");
    io.stdout(`${formatTable(all)}\n`);
  }
  return all;
}

/** The `codex-sdk-bench` command line. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("codex-sdk-bench")
    .description("Benchmarks of the Codex app-server SDK, each against a baseline measured in the same run.")
    .option("--json", "print one JSON object per measurement and line", false)
    .option("--quick", "small sizes and few repetitions (seconds; a smoke test)", false)
    .option("--only <names>", "run only these benchmarks (comma-separated or repeated)", names)
    .option("--reps <n>", "measured repetitions per arm (default: per benchmark)", positiveInteger)
    .option("--list", "list the benchmarks and exit", false)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .action(async (options: CliOptions) => {
      if (options.list) {
        for (const b of BENCHMARKS) io.stdout(`${b.name.padEnd(12)} ${b.summary}\n`);
        return;
      }
      let selected: Benchmark[];
      try {
        selected = selectBenchmarks(BENCHMARKS, options.only);
      } catch (error) {
        if (error instanceof InvalidArgumentError) program.error(`error: ${error.message}`, { exitCode: 2 });
        throw error;
      }
      await runBenchmarks(selected, options, io);
    });
  return program;
}

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startRealAppServer } from "@codex-app-server/testing";
import type { BenchContext, Benchmark } from "../benchmark.js";
import { type Arm, interleave } from "../interleave.js";
import { type Measurement, measurement } from "../measurement.js";
import { median } from "../stats.js";

interface ProbeResult {
  importMs: number;
  connectMs: number;
}

/** The probe script: built next to the bench's bundle, or the TypeScript source through tsx (tests). */
function probeCommand(): { command: string; args: string[] } {
  const here = import.meta.url;
  return here.endsWith(".ts")
    ? {
        command: process.execPath,
        args: ["--import", "tsx", fileURLToPath(new URL("../support/connectProbe.ts", here))],
      }
    : { command: process.execPath, args: [fileURLToPath(new URL("./connectProbe.js", here))] };
}

function runProbe(mode: "sdk" | "bare", launch: object): Promise<ProbeResult> {
  const { command, args } = probeCommand();
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args, mode, JSON.stringify(launch)],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`connect probe (${mode}) failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as ProbeResult);
      },
    );
  });
}

/**
 * `connect`: what a cold start costs. Each repetition is a fresh Node process that imports what it
 * needs, spawns the real `codex app-server` over stdio and waits for the `initialize` answer: the SDK
 * (`connectStdio` from `@codex-app-server/client/node`) against a
 * bare JSON-lines client over the same stdio pipes. Node's own start is outside both figures.
 */
export const connectBenchmark: Benchmark = {
  name: "connect",
  summary: "import + connect + initialize in a fresh process, SDK vs a bare JSON-lines client (same server)",
  async run(context: BenchContext): Promise<Measurement[]> {
    const reps = context.reps ?? (context.quick ? 2 : 15);
    await using server = await startRealAppServer();
    const launch = { command: server.command, args: server.args, cwd: server.cwd, env: server.env };
    const arms: Arm<ProbeResult>[] = [
      { name: "sdk", run: () => runProbe("sdk", launch) },
      { name: "bare", run: () => runProbe("bare", launch) },
    ];
    const [sdk = [], bare = []] = await interleave(arms, {
      reps,
      onRound: (round, arm, sample) =>
        context.log(
          `connect: ${round < 0 ? "warm-up" : `round ${round + 1}`} ${arm} import ${sample.importMs.toFixed(0)} ms, connected ${sample.connectMs.toFixed(0)} ms`,
        ),
    });
    return [
      measurement({
        name: "connect.sdk",
        value: median(sdk.map((s) => s.connectMs)),
        unit: "ms",
        better: "lower",
        baseline: median(bare.map((s) => s.connectMs)),
        target: 1.5,
        note: `import + spawn + initialize, median of ${reps} fresh processes, vs a bare JSON-lines client`,
      }),
      measurement({
        name: "connect.sdk_import",
        value: median(sdk.map((s) => s.importMs)),
        unit: "ms",
        better: "lower",
        note: "of which loading @codex-app-server/client/node before the spawn (the client loads while the server boots)",
      }),
    ];
  },
};

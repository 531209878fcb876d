/**
 * The stream benchmark's arms for two builds in one process, interleaved: the bare reader, the SDK as
 * built in this checkout, and the SDK as built in another checkout (say, a `git worktree` of the commit
 * before a change, after `pnpm install && pnpm build` there), each with validation lenient and off.
 *   node --import tsx scripts/streamBeforeAfter.ts /path/to/other/checkout [rounds] [deltas]
 * Prints each arm's median wall time and CPU time (this process's) against the bare reader's.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CodexClient } from "@codex-app-server/client";
import { StdioTransport } from "@codex-app-server/transport/stdio";
import { bareTurn, recordStream } from "../src/benchmarks/stream.js";
import { median } from "../src/stats.js";
import { cpuClock } from "../src/support/cpuClock.js";
import { replayServerCommand } from "../src/support/replayCommand.js";
import { tempDir } from "../src/support/tempDir.js";

const other = process.argv[2];
if (other === undefined) {
  process.stderr.write("usage: streamBeforeAfter.ts <other checkout> [rounds] [deltas]\n");
  process.exit(2);
}
const rounds = Number(process.argv[3] ?? 9);
const deltas = Number(process.argv[4] ?? 100_000);
const build = (path: string) => import(pathToFileURL(join(other, "packages", path)).href);
const before = {
  Client: (await build("client/dist/index.js")).CodexClient as typeof CodexClient,
  Transport: (await build("transport/dist/stdio.js")).StdioTransport as typeof StdioTransport,
};
const after = { Client: CodexClient, Transport: StdioTransport };

await using dir = await tempDir("codex-bench-before-after-");
const recording = await recordStream(dir.path, deltas);

interface Sample {
  ms: number;
  cpuMs: number;
}

async function sdk(sdkBuild: typeof after, validation: "lenient" | "off"): Promise<Sample> {
  const client = new sdkBuild.Client(new sdkBuild.Transport(replayServerCommand(recording.path)), {
    validation,
  });
  try {
    await client.initialize();
    const thread = await client.startThread();
    const start = performance.now();
    const cpu = cpuClock();
    const turn = await thread.turn("stream, please");
    let chars = 0;
    for await (const delta of turn.textDeltas()) chars += delta.length;
    await turn.result();
    const sample = { ms: performance.now() - start, cpuMs: cpu() };
    if (chars !== 2 * deltas) throw new Error(`${chars} characters, expected ${2 * deltas}`);
    return sample;
  } finally {
    await client.close();
  }
}

const arms: [string, () => Promise<Sample>][] = [
  ["bare", () => bareTurn(recording, deltas)],
  ["after lenient", () => sdk(after, "lenient")],
  ["before lenient", () => sdk(before, "lenient")],
  ["after off", () => sdk(after, "off")],
  ["before off", () => sdk(before, "off")],
];
const samples = new Map<string, Sample[]>(arms.map(([name]) => [name, []]));
// One warm-up round, then each round starts one arm further.
for (let round = -1; round < rounds; round++) {
  for (let i = 0; i < arms.length; i++) {
    const [name, run] = arms[(i + Math.max(round, 0)) % arms.length] as [string, () => Promise<Sample>];
    const sample = await run();
    if (round >= 0) samples.get(name)?.push(sample);
  }
}
const wall = (name: string) => median((samples.get(name) ?? []).map((s) => s.ms));
const cpu = (name: string) => median((samples.get(name) ?? []).map((s) => s.cpuMs));
for (const [name] of arms) {
  const ratio = (value: number, base: number) => `${(value / base).toFixed(2)}x`;
  process.stdout.write(
    `${name.padEnd(15)} wall ${wall(name).toFixed(0).padStart(4)} ms ${ratio(wall(name), wall("bare"))}` +
      `   CPU ${cpu(name).toFixed(0).padStart(4)} ms ${ratio(cpu(name), cpu("bare"))}\n`,
  );
}

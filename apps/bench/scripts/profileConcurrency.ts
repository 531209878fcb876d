/**
 * Runs one arm of the concurrency benchmark several times, for `node --cpu-prof`:
 *   node --cpu-prof --import tsx scripts/profileConcurrency.ts sdk 3
 */
import { bareRun, replyText, sdkRun } from "../src/benchmarks/concurrency.js";
import { fakeServer } from "../src/support/fakeServer.js";

const arm = process.argv[2] ?? "sdk";
const runs = Number(process.argv[3] ?? 3);
const shape = { threads: 100, turnsPerThread: 10 };
const total = shape.threads * shape.turnsPerThread;
await using fake = await fakeServer({
  turns: Array.from({ length: total }, (_, k) => [
    { type: "message" as const, text: replyText(k), chunks: 4 },
  ]),
});
for (let i = 0; i < runs; i++) {
  const sample = arm === "bare" ? await bareRun(fake.command, shape) : await sdkRun(fake.command, shape);
  process.stderr.write(`${arm} ${sample.ms.toFixed(0)} ms\n`);
}

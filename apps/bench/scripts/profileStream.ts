/**
 * Runs one arm of the stream benchmark several times, for `node --cpu-prof`:
 *   node --cpu-prof --conditions=@codex-app-server/source --import tsx scripts/profileStream.ts lenient 10
 */
import { bareTurn, recordStream, sdkTurn } from "../src/benchmarks/stream.js";
import { tempDir } from "../src/support/tempDir.js";

const arm = process.argv[2] ?? "lenient";
const runs = Number(process.argv[3] ?? 10);
const deltas = Number(process.argv[4] ?? 100_000);
await using dir = await tempDir("codex-bench-profile-");
const recording = await recordStream(dir.path, deltas);
for (let i = 0; i < runs; i++) {
  const sample =
    arm === "bare"
      ? await bareTurn(recording, deltas)
      : await sdkTurn(recording, arm === "off" ? "off" : arm === "strict" ? "strict" : "lenient", deltas);
  process.stderr.write(`${arm} ${sample.ms.toFixed(0)} ms\n`);
}

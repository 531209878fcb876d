/**
 * Runs one arm of the stream benchmark several times, and profiles the runs after the first:
 *   node --import tsx scripts/profileStream.ts lenient 10 [deltas] [profile.cpuprofile]
 * Arms: lenient, strict, off, bare. Without a profile path, only the times are printed.
 */
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { bareTurn, recordStream, sdkTurn } from "../src/benchmarks/stream.js";
import { tempDir } from "../src/support/tempDir.js";

const arm = process.argv[2] ?? "lenient";
const runs = Number(process.argv[3] ?? 10);
const deltas = Number(process.argv[4] ?? 100_000);
const profilePath = process.argv[5];
const inspector = new Session();
await using dir = await tempDir("codex-bench-profile-");
const recording = await recordStream(dir.path, deltas);
for (let i = 0; i < runs; i++) {
  if (i === 1 && profilePath !== undefined) {
    inspector.connect();
    await inspector.post("Profiler.enable");
    await inspector.post("Profiler.start");
  }
  const sample =
    arm === "bare"
      ? await bareTurn(recording, deltas)
      : await sdkTurn(recording, arm === "off" ? "off" : arm === "strict" ? "strict" : "lenient", deltas);
  process.stderr.write(`${arm} ${sample.ms.toFixed(0)} ms, ${sample.cpuMs.toFixed(0)} ms CPU\n`);
}
if (profilePath !== undefined && runs > 1) {
  const { profile } = await inspector.post("Profiler.stop");
  await writeFile(profilePath, JSON.stringify(profile));
  process.stderr.write(`profile of runs 2 to ${runs}: ${profilePath}\n`);
  inspector.disconnect();
}

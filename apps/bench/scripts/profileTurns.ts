/**
 * Runs one arm of the turns benchmark several times on one session and profiles the runs only:
 *   node --import tsx scripts/profileTurns.ts sdk 5 [threads] [turns per run] [profile.cpuprofile]
 * Arms: sdk, bare, bare-transport. The recording is made, and the threads opened, before the runs;
 * the CPU profile (written when a path is given) covers the runs alone, after a first warm-up run.
 */
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { recordTurns } from "../src/benchmarks/turns.js";
import { tempDir } from "../src/support/tempDir.js";
import { isSessionKind, SESSION_KINDS } from "../src/support/turnSessions.js";

const arm = process.argv[2] ?? "sdk";
const runs = Number(process.argv[3] ?? 5);
const threads = Number(process.argv[4] ?? 1);
const turns = Number(process.argv[5] ?? 2000);
const profilePath = process.argv[6];
if (!isSessionKind(arm)) {
  throw new Error(`unknown arm ${arm}; expected one of ${Object.keys(SESSION_KINDS).join(", ")}`);
}
await using dir = await tempDir("codex-bench-profile-turns-");
const recording = await recordTurns(join(dir.path, "turns.recording"), threads, runs * turns);
const session = await SESSION_KINDS[arm](recording.path, threads, arm);
process.stderr.write(`${arm}: ${threads} threads opened in ${session.setupCpuMs.toFixed(0)} ms CPU\n`);
const inspector = new Session();
try {
  for (let i = 0; i < runs; i++) {
    if (i === 1 && profilePath !== undefined) {
      inspector.connect();
      await inspector.post("Profiler.enable");
      await inspector.post("Profiler.start");
    }
    const s = await session.runTurns(i * turns, turns);
    process.stderr.write(
      `${arm} ${threads} threads: ${((s.cpuMs * 1000) / s.turns).toFixed(1)} µs CPU/turn, ${((s.wallMs * 1000) / s.turns).toFixed(0)} µs wall/turn\n`,
    );
  }
  if (profilePath !== undefined && runs > 1) {
    const { profile } = await inspector.post("Profiler.stop");
    await writeFile(profilePath, JSON.stringify(profile));
    process.stderr.write(`profile of runs 2 to ${runs}: ${profilePath}\n`);
  }
} finally {
  inspector.disconnect();
  await session.close();
}

import { join } from "node:path";
import { input } from "@codex-app-server/client";
import type { BenchContext, Benchmark } from "../benchmark.js";
import { type Arm, interleave } from "../interleave.js";
import { type Measurement, measurement } from "../measurement.js";
import { median } from "../stats.js";
import { actorTurns } from "../support/actorTurns.js";
import { fakeServer } from "../support/fakeServer.js";
import type { RawMessage } from "../support/lineClient.js";
import { type Recording, recordSession, type SessionStep } from "../support/recording.js";
import { openRemoteSession, type RemoteTurnSession } from "../support/remoteTurnSession.js";
import { tempDir } from "../support/tempDir.js";
import {
  freshSessionTurns,
  openBareSession,
  openBareTransportSession,
  openSdkSession,
  promptOf,
  replyText,
  type SessionKind,
  type TurnSession,
  type TurnsSample,
  threadIdOf,
} from "../support/turnSessions.js";

const DELTAS_PER_TURN = 2;
const WARMUP_ROUNDS = 1;

/**
 * The fake's output for `initialize`, `threads` × `thread/start`, then `turns` short turns one after
 * the other on the first thread (the k-th answers `reply #k` in two deltas), recorded once and
 * replayed for every arm: so the turns' bytes are the fake's, and none of its CPU is the client's.
 */
export async function recordTurns(path: string, threads: number, turns: number): Promise<Recording> {
  await using fake = await fakeServer({
    turns: Array.from({ length: turns }, (_, k) => [
      { type: "message" as const, text: replyText(k), chunks: DELTAS_PER_TURN },
    ]),
  });
  const steps: SessionStep[] = [
    {
      method: "initialize",
      params: { clientInfo: { name: "bench-recorder", title: null, version: "0.0.0" } },
      until: (m) => m.id === 1,
      thenNotify: "initialized",
    },
  ];
  for (let t = 0; t < threads; t++) {
    steps.push({ method: "thread/start", params: {}, until: (m) => m.method === "thread/started" });
  }
  for (let k = 0; k < turns; k++) {
    steps.push({
      method: "turn/start",
      params: (responses: RawMessage[]) => ({
        threadId: threadIdOf(responses[1]),
        input: [input.text(promptOf(k))],
      }),
      until: (m) => m.method === "turn/completed",
    });
  }
  return await recordSession(fake.command, steps, path);
}

/**
 * An arm on one long-lived session: opened before the rounds (its threads too: opening 10,000 is
 * setup, not per-turn cost), each round runs the next `count` recorded turns on it.
 */
function sessionArm(session: TurnSession, count: number): Arm<TurnsSample> {
  return { name: session.name, run: (round) => session.runTurns(round * count, count) };
}

const perTurnUs = (samples: TurnsSample[] | undefined) =>
  median((samples ?? []).map((s) => (s.cpuMs * 1000) / s.turns));

/**
 * `turns`: short turns one after the other, timed by the client process's CPU time per turn. The
 * fake's output (for each turn: the answer, `thread/status/changed`, `turn/started`, the user's
 * message, an agent message in two deltas, usage and rate limits, `turn/completed`) is recorded once
 * and replayed by a child, so only the client's work is counted.
 *
 * - `cpu_per_turn`: a fresh client per sample, in the bench process after a full collection, running
 *   all the turns on one thread; the SDK against a bare client that routes by turn id (and the same
 *   bare routing on the SDK's `StdioTransport`).
 * - `thread_scale`: long-lived sessions with 1 and with N threads open, each in a process of its own
 *   (`turnSessionHost`), each round running the next turns on the first thread; no forced collection,
 *   the host's collector works for its session alone. The SDK at N against the SDK at 1 (and the
 *   bare client likewise).
 */
export const turnsBenchmark: Benchmark = {
  name: "turns",
  summary:
    "2,000 short turns one after the other: client CPU per turn vs a bare client routing by turn id; 1 vs 10,000 threads open",
  async run(context: BenchContext): Promise<Measurement[]> {
    const turns = context.quick ? 200 : 2_000;
    const manyThreads = context.quick ? 500 : 10_000;
    const scaleTurns = context.quick ? 50 : 500;
    const reps = context.reps ?? (context.quick ? 1 : 5);
    const scaleRounds = WARMUP_ROUNDS + reps;

    await using dir = await tempDir("codex-bench-turns-");
    let clock = performance.now();
    // One thread: the fresh arms run its first `turns` turns, the long-lived one all its rounds'.
    const single = await recordTurns(
      join(dir.path, "single.recording"),
      1,
      Math.max(turns, scaleRounds * scaleTurns),
    );
    const many = await recordTurns(join(dir.path, "many.recording"), manyThreads, scaleRounds * scaleTurns);
    context.log(
      `turns: recorded ${single.segments.length - 2} turns after 1 thread/start, and ${scaleRounds} × ${scaleTurns} turns after ${manyThreads.toLocaleString()} (${(many.totalBytes / 1024 / 1024).toFixed(1)} MiB), in ${(performance.now() - clock).toFixed(0)} ms`,
    );

    const sessions: RemoteTurnSession[] = [];
    try {
      const open = async (kind: SessionKind, recording: Recording, threads: number) => {
        clock = performance.now();
        const name = `${kind} ${threads} thread${threads === 1 ? "" : "s"}`;
        const s = await openRemoteSession(kind, recording.path, threads, name);
        sessions.push(s);
        context.log(
          `turns: ${name}: opened in ${s.setupCpuMs.toFixed(0)} ms CPU, ${(performance.now() - clock).toFixed(0)} ms wall; heap ${(s.heapUsed / 1024 / 1024).toFixed(1)} MiB`,
        );
        return s;
      };
      const bareOne = await open("bare", single, 1);
      const sdkOne = await open("sdk", single, 1);
      const bareMany = await open("bare", many, manyThreads);
      const sdkMany = await open("sdk", many, manyThreads);

      const arms: Arm<TurnsSample>[] = [
        { name: "bare", run: () => freshSessionTurns(openBareSession, single.path, 1, turns) },
        {
          name: "bare transport",
          run: () => freshSessionTurns(openBareTransportSession, single.path, 1, turns),
        },
        { name: "sdk", run: () => freshSessionTurns(openSdkSession, single.path, 1, turns) },
        { name: "sdk actors", run: async () => actorTurns("sdk", turns) },
        { name: "floor actors", run: async () => actorTurns("floor", turns) },
        sessionArm(bareOne, scaleTurns),
        sessionArm(sdkOne, scaleTurns),
        sessionArm(bareMany, scaleTurns),
        sessionArm(sdkMany, scaleTurns),
      ];
      const [bare, bareTransport, sdk, sdkActors, floorActors, bareOneS, sdkOneS, bareManyS, sdkManyS] =
        await interleave(arms, {
          reps,
          warmup: WARMUP_ROUNDS,
          onRound: (round, arm, s) =>
            context.log(
              `turns: ${round < 0 ? "warm-up" : `rep ${round + 1}`} ${arm}: ${s.turns} turns, ${((s.cpuMs * 1000) / s.turns).toFixed(1)} µs CPU/turn, ${((s.wallMs * 1000) / s.turns).toFixed(0)} µs wall/turn`,
            ),
        });

      const scaleLabel = `${manyThreads.toLocaleString()} threads open vs 1, ${scaleTurns} turns a round`;
      return [
        measurement({
          name: "turns.cpu_per_turn",
          value: perTurnUs(sdk),
          unit: "µs",
          better: "lower",
          baseline: perTurnUs(bare),
          target: 2,
          note: `client CPU per turn, ${turns.toLocaleString()} turns, thread.turn() + result(), vs bare client routing by turn id`,
        }),
        measurement({
          name: "turns.bare_transport",
          value: perTurnUs(bareTransport),
          unit: "µs",
          better: "lower",
          baseline: perTurnUs(bare),
          note: "the same bare routing on the SDK's StdioTransport: what the transport adds",
        }),
        measurement({
          name: "turns.sdk_actors",
          value: perTurnUs(sdkActors),
          unit: "µs",
          better: "lower",
          baseline: perTurnUs(bare),
          note: "the SDK's machines alone: a turn's actor events and spawn, no I/O, vs the bare client's whole turn",
        }),
        measurement({
          name: "turns.xstate_floor",
          value: perTurnUs(floorActors),
          unit: "µs",
          better: "lower",
          baseline: perTurnUs(bare),
          note: "XState's least for an actor per turn (4 events, 1 spawn, no timers), vs the bare client's whole turn",
        }),
        measurement({
          name: "turns.thread_scale",
          value: perTurnUs(sdkManyS),
          unit: "µs",
          better: "lower",
          baseline: perTurnUs(sdkOneS),
          target: 1.2,
          note: `SDK CPU per turn with ${scaleLabel}`,
        }),
        measurement({
          name: "turns.bare_thread_scale",
          value: perTurnUs(bareManyS),
          unit: "µs",
          better: "lower",
          baseline: perTurnUs(bareOneS),
          note: `the bare client's, with ${scaleLabel}`,
        }),
        measurement({
          name: "turns.thread_open",
          value: (sdkMany.setupCpuMs * 1000) / manyThreads,
          unit: "µs",
          better: "lower",
          baseline: (bareMany.setupCpuMs * 1000) / manyThreads,
          note: `client CPU per thread/start, opening ${manyThreads.toLocaleString()} at once (once, not a median)`,
        }),
      ];
    } finally {
      for (const session of sessions) await session.close();
    }
  },
};

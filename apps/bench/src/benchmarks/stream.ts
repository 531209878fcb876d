import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { CodexClient, input } from "@codex-app-server/client";
import type { ValidationMode } from "@codex-app-server/protocol";
import { StdioTransport } from "@codex-app-server/transport/stdio";
import type { BenchContext, Benchmark } from "../benchmark.js";
import { type Arm, interleave } from "../interleave.js";
import { type Measurement, measurement } from "../measurement.js";
import { median } from "../stats.js";
import { cpuClock } from "../support/cpuClock.js";
import { fakeServer } from "../support/fakeServer.js";
import { LineClient, type RawMessage } from "../support/lineClient.js";
import { type Recording, recordSession } from "../support/recording.js";
import { replayServerCommand } from "../support/replayCommand.js";
import { tempDir } from "../support/tempDir.js";

const DELTA = "item/agentMessage/delta";
const PROMPT = "stream, please";

interface StreamSample {
  ms: number;
  /** CPU time of this process over the same span (user + system, all its threads). */
  cpuMs: number;
  deltas: number;
}

/** The fake's output for one turn of `deltas` deltas, recorded once and replayed for every arm. */
export async function recordStream(dir: string, deltas: number): Promise<Recording> {
  await using fake = await fakeServer({
    turns: [[{ type: "message", text: "ab".repeat(deltas), chunks: deltas, burst: true }]],
  });
  return await recordSession(
    fake.command,
    [
      {
        method: "initialize",
        params: { clientInfo: { name: "bench-recorder", title: null, version: "0.0.0" } },
        until: (m) => m.id === 1,
        thenNotify: "initialized",
      },
      { method: "thread/start", params: {}, until: (m) => m.method === "thread/started" },
      {
        method: "turn/start",
        params: (responses: RawMessage[]) => ({
          threadId: (responses[1]?.result as { thread: { id: string } }).thread.id,
          input: [input.text(PROMPT)],
        }),
        until: (m) => m.method === "turn/completed",
      },
    ],
    join(dir, "stream.recording"),
  );
}

/** The SDK: a `CodexClient` over `StdioTransport`, the turn consumed through `turn.textDeltas()`. */
export async function sdkTurn(
  recording: Recording,
  validation: ValidationMode,
  expected: number,
): Promise<StreamSample> {
  const errors: Error[] = [];
  const client = new CodexClient(new StdioTransport(replayServerCommand(recording.path)), {
    validation,
    onError: (error) => errors.push(error),
  });
  try {
    await client.initialize();
    const thread = await client.startThread();
    const start = performance.now();
    const cpu = cpuClock();
    const turn = await thread.turn(PROMPT);
    let deltas = 0;
    let chars = 0;
    for await (const delta of turn.textDeltas()) {
      deltas++;
      chars += delta.length;
    }
    const result = await turn.result();
    const ms = performance.now() - start;
    const cpuMs = cpu();
    if (result.status !== "completed" || deltas !== expected || result.finalResponse?.length !== chars) {
      throw new Error(
        `stream (${validation}): ${deltas}/${expected} deltas, ${chars} chars, status ${result.status}, final ${result.finalResponse?.length}`,
      );
    }
    if (errors.length > 0)
      throw new Error(`stream (${validation}): ${errors.length} errors, first: ${errors[0]?.message}`);
    return { ms, cpuMs, deltas };
  } finally {
    await client.close();
  }
}

/** The baseline: the same bytes read by a bare loop (split lines, JSON.parse, count). */
export async function bareTurn(recording: Recording, expected: number): Promise<StreamSample> {
  const client = await LineClient.spawn(replayServerCommand(recording.path));
  try {
    await client.initialize();
    const started = await client.call("thread/start", {});
    const threadId = (started.result as { thread: { id: string } }).thread.id;
    const start = performance.now();
    const cpu = cpuClock();
    let deltas = 0;
    let chars = 0;
    const completed = new Promise<void>((resolve) => {
      client.onMessage = (message) => {
        if (message.method === DELTA) {
          deltas++;
          chars += ((message.params as { delta: string }).delta as string).length;
        } else if (message.method === "turn/completed") resolve();
      };
    });
    await client.call("turn/start", { threadId, input: [input.text(PROMPT)] });
    await completed;
    const ms = performance.now() - start;
    const cpuMs = cpu();
    if (deltas !== expected || chars !== expected * 2) {
      throw new Error(`stream (bare): ${deltas}/${expected} deltas, ${chars} chars`);
    }
    return { ms, cpuMs, deltas };
  } finally {
    await client.close();
  }
}

/** The floor: the same bytes through the same pipe, only counted. */
async function pipeOnly(recording: Recording): Promise<StreamSample> {
  const command = replayServerCommand(recording.path);
  const child = spawn(command.command, command.args, { stdio: ["pipe", "pipe", "inherit"] });
  await once(child, "spawn");
  let received = 0;
  let target = 0;
  let reached: (() => void) | undefined;
  child.stdout.on("data", (chunk: Buffer) => {
    received += chunk.length;
    if (received >= target) reached?.();
  });
  /** Sends a request and resolves once the recording's bytes up to its segment's end have arrived. */
  const request = (index: number, method: string) => {
    target += recording.segments[index]?.bytes ?? 0;
    const arrived = new Promise<void>((resolve) => {
      reached = resolve;
    });
    child.stdin.write(`${JSON.stringify({ id: index + 1, method, params: {} })}\n`);
    return arrived;
  };
  await request(0, "initialize");
  await request(1, "thread/start");
  const start = performance.now();
  const cpu = cpuClock();
  await request(2, "turn/start");
  const ms = performance.now() - start;
  const cpuMs = cpu();
  child.stdin.end();
  await once(child, "exit");
  return { ms, cpuMs, deltas: recording.segments[2]?.lines ?? 0 };
}

/**
 * `stream`: one turn of N `item/agentMessage/delta` notifications from the fake, recorded once and
 * replayed by a child that writes each recorded segment in one write (so the producer waits only on
 * the pipe). Arms, interleaved: the SDK with lenient validation, the SDK with validation off, the
 * bare reader; plus the pipe alone, as the floor.
 */
export const streamBenchmark: Benchmark = {
  name: "stream",
  summary: "one turn of 100k text deltas over stdio through turn.textDeltas(), vs a bare JSON-lines reader",
  async run(context: BenchContext): Promise<Measurement[]> {
    const deltas = context.quick ? 5_000 : 100_000;
    const reps = context.reps ?? (context.quick ? 2 : 7);
    await using dir = await tempDir("codex-bench-stream-");
    context.log(`stream: recording ${deltas.toLocaleString()} deltas from the fake`);
    const recording = await recordStream(dir.path, deltas);
    const turnLines = recording.segments[2]?.lines ?? 0;
    context.log(
      `stream: ${(recording.totalBytes / 1024 / 1024).toFixed(1)} MiB, ${turnLines.toLocaleString()} lines in the turn`,
    );
    const arms: Arm<StreamSample>[] = [
      { name: "bare", run: () => bareTurn(recording, deltas) },
      { name: "sdk lenient", run: () => sdkTurn(recording, "lenient", deltas) },
      { name: "sdk off", run: () => sdkTurn(recording, "off", deltas) },
      { name: "pipe only", run: () => pipeOnly(recording) },
    ];
    const [bare, lenient, off, pipe] = await interleave(arms, {
      reps,
      onRound: (round, arm, sample) =>
        context.log(
          `stream: ${round < 0 ? "warm-up" : `rep ${round + 1}`} ${arm} ${sample.ms.toFixed(0)} ms (${sample.cpuMs.toFixed(0)} ms CPU)`,
        ),
    });
    const rate = (samples: StreamSample[] | undefined) =>
      turnLines / (median((samples ?? []).map((s) => s.ms)) / 1000);
    const bareRate = rate(bare);
    const cpu = (samples: StreamSample[] | undefined) => median((samples ?? []).map((s) => s.cpuMs));
    const bareCpu = cpu(bare);
    return [
      measurement({
        name: "stream.sdk_lenient",
        value: rate(lenient),
        unit: "msg/s",
        better: "higher",
        baseline: bareRate,
        target: 1.2,
        note: "textDeltas(), validation lenient, vs bare reader",
      }),
      measurement({
        name: "stream.sdk_off",
        value: rate(off),
        unit: "msg/s",
        better: "higher",
        baseline: bareRate,
        target: 1.2,
        note: "textDeltas(), validation off, vs bare reader",
      }),
      measurement({
        name: "stream.sdk_lenient_cpu",
        value: cpu(lenient),
        unit: "ms",
        better: "lower",
        baseline: bareCpu,
        note: "this process's CPU time over the same turn (lenient), vs the bare reader's",
      }),
      measurement({
        name: "stream.sdk_off_cpu",
        value: cpu(off),
        unit: "ms",
        better: "lower",
        baseline: bareCpu,
        note: "this process's CPU time over the same turn (off), vs the bare reader's",
      }),
      measurement({
        name: "stream.pipe_only",
        value: rate(pipe),
        unit: "msg/s",
        better: "higher",
        note: "the same bytes through the pipe, only counted: the floor",
      }),
    ];
  },
};

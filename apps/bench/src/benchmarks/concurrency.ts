import { CodexClient, input, type TurnResult } from "@codex-app-server/client";
import type { JsonRpcMessage } from "@codex-app-server/protocol";
import { StdioTransport } from "@codex-app-server/transport/stdio";
import type { BenchContext, Benchmark } from "../benchmark.js";
import { type Arm, interleave } from "../interleave.js";
import { type Measurement, measurement } from "../measurement.js";
import { median } from "../stats.js";
import { type ChildCommand, fakeServer } from "../support/fakeServer.js";
import { collectGarbage } from "../support/gc.js";
import { LineClient, type RawMessage } from "../support/lineClient.js";
import { MB, MemorySampler } from "../support/memorySampler.js";
import { SendSpy } from "../support/sendSpy.js";

interface Shape {
  threads: number;
  turnsPerThread: number;
}

interface ConcurrencySample {
  ms: number;
  /** Peak heap in use during the run minus the heap before it (after a full collection), bytes. */
  heapGrowth: number;
  rss: number;
}

/** Who sent the k-th `turn/start`: the fake plays the k-th script for it, whose text is `reply #k`. */
interface TurnStartRecord {
  threadId: string;
  prompt: string;
}

export const replyText = (k: number) => `reply #${k}`;
const promptOf = (thread: number, turn: number) => `thread ${thread} turn ${turn}`;

function checkRouting(
  order: readonly TurnStartRecord[],
  got: { threadId: string; prompt: string; finalText: string | null; userText: string | undefined },
): void {
  const k = got.finalText?.startsWith("reply #") ? Number(got.finalText.slice("reply #".length)) : Number.NaN;
  const sent = order[k];
  if (sent === undefined || sent.threadId !== got.threadId || sent.prompt !== got.prompt) {
    throw new Error(
      `misrouted: the turn for "${got.prompt}" on ${got.threadId} got "${got.finalText}", which answers ${JSON.stringify(sent)}`,
    );
  }
  if (got.userText !== got.prompt) {
    throw new Error(`misrouted: the turn for "${got.prompt}" echoed the user message "${got.userText}"`);
  }
}

function userTextOf(result: TurnResult): string | undefined {
  const item = result.items.find((i) => i.type === "userMessage") as
    | { content: Array<{ type: string; text?: string }> }
    | undefined;
  return item?.content.find((c) => c.type === "text")?.text;
}

async function measured(work: () => Promise<void>): Promise<ConcurrencySample> {
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const sampler = new MemorySampler();
  const start = performance.now();
  try {
    await work();
  } catch (error) {
    sampler.stop();
    throw error;
  }
  const ms = performance.now() - start;
  const peaks = sampler.stop();
  return { ms, heapGrowth: peaks.heapUsed - before, rss: peaks.rss };
}

export async function sdkRun(command: ChildCommand, shape: Shape): Promise<ConcurrencySample> {
  const order: TurnStartRecord[] = [];
  const transport = new SendSpy(new StdioTransport(command), (message: JsonRpcMessage) => {
    if ("method" in message && message.method === "turn/start") {
      const params = message.params as { threadId: string; input: Array<{ text: string }> };
      order.push({ threadId: params.threadId, prompt: params.input[0]?.text ?? "" });
    }
  });
  const client = new CodexClient(transport, { requestTimeoutMs: 120_000 });
  try {
    await client.initialize();
    const threads = await Promise.all(Array.from({ length: shape.threads }, () => client.startThread()));
    return await measured(async () => {
      await Promise.all(
        threads.map(async (thread, t) => {
          for (let j = 0; j < shape.turnsPerThread; j++) {
            const prompt = promptOf(t, j);
            const turn = await thread.turn(prompt);
            const result = await turn.result();
            if (result.status !== "completed") throw new Error(`turn ${prompt} ended ${result.status}`);
            checkRouting(order, {
              threadId: result.threadId,
              prompt,
              finalText: result.finalResponse,
              userText: userTextOf(result),
            });
          }
        }),
      );
    });
  } finally {
    await client.close();
  }
}

interface RawTurn {
  finalText: string | null;
  userText: string | undefined;
  threadId: string | undefined;
  done: boolean;
  wake: (() => void) | undefined;
}

export async function bareRun(command: ChildCommand, shape: Shape): Promise<ConcurrencySample> {
  const client = await LineClient.spawn(command);
  const turns = new Map<string, RawTurn>();
  const turnState = (turnId: string): RawTurn => {
    let state = turns.get(turnId);
    if (state === undefined) {
      state = { finalText: null, userText: undefined, threadId: undefined, done: false, wake: undefined };
      turns.set(turnId, state);
    }
    return state;
  };
  client.onMessage = (message: RawMessage) => {
    const params = message.params as
      | { threadId?: string; turnId?: string; turn?: { id: string }; item?: Record<string, unknown> }
      | undefined;
    const turnId = params?.turnId ?? params?.turn?.id;
    if (turnId === undefined) return;
    const state = turnState(turnId);
    if (message.method === "item/completed") {
      const item = params?.item as { type: string; text?: string; content?: Array<{ text?: string }> };
      if (item.type === "agentMessage") state.finalText = item.text ?? null;
      else if (item.type === "userMessage") state.userText = item.content?.[0]?.text;
    } else if (message.method === "turn/completed") {
      state.threadId = params?.threadId;
      state.done = true;
      state.wake?.();
    }
  };
  const order: TurnStartRecord[] = [];
  try {
    await client.initialize();
    const threadIds = await Promise.all(
      Array.from({ length: shape.threads }, async () => {
        const response = await client.call("thread/start", {});
        return (response.result as { thread: { id: string } }).thread.id;
      }),
    );
    return await measured(async () => {
      await Promise.all(
        threadIds.map(async (threadId, t) => {
          for (let j = 0; j < shape.turnsPerThread; j++) {
            const prompt = promptOf(t, j);
            order.push({ threadId, prompt });
            const response = await client.call("turn/start", { threadId, input: [input.text(prompt)] });
            const turnId = (response.result as { turn: { id: string } }).turn.id;
            const state = turnState(turnId);
            if (!state.done) {
              await new Promise<void>((resolve) => {
                state.wake = resolve;
              });
            }
            turns.delete(turnId);
            checkRouting(order, {
              threadId: state.threadId ?? "",
              prompt,
              finalText: state.finalText,
              userText: state.userText,
            });
          }
        }),
      );
    });
  } finally {
    await client.close();
  }
}

/**
 * `concurrency`: T threads on one connection, each running its turns one after the other, all
 * threads at once. The fake plays the k-th script for the k-th `turn/start` it receives, and the
 * k-th script answers `reply #k`: every turn's final text must name the turn/start its own thread
 * and prompt sent (seen on the wire), and its echoed user message must be its own prompt. Against
 * a bare JSON-lines client that routes by turn id itself.
 */
export const concurrencyBenchmark: Benchmark = {
  name: "concurrency",
  summary: "1,000 turns on 100 threads at once on one client over stdio (routing checked), vs a bare client",
  async run(context: BenchContext): Promise<Measurement[]> {
    const shape: Shape = context.quick
      ? { threads: 10, turnsPerThread: 2 }
      : { threads: 100, turnsPerThread: 10 };
    const reps = context.reps ?? (context.quick ? 1 : 3);
    const total = shape.threads * shape.turnsPerThread;
    await using fake = await fakeServer({
      turns: Array.from({ length: total }, (_, k) => [
        { type: "message" as const, text: replyText(k), chunks: 4 },
      ]),
    });
    const arms: Arm<ConcurrencySample>[] = [
      { name: "bare", run: () => bareRun(fake.command, shape) },
      { name: "sdk", run: () => sdkRun(fake.command, shape) },
    ];
    const [bare, sdk] = await interleave(arms, {
      reps,
      onRound: (round, arm, s) => {
        context.log(
          `concurrency: ${round < 0 ? "warm-up" : `rep ${round + 1}`} ${arm} ${total} turns: ${s.ms.toFixed(0)} ms, heap +${(s.heapGrowth / MB).toFixed(1)} MiB, rss ${(s.rss / MB).toFixed(0)} MiB`,
        );
      },
    });
    const med = (samples: ConcurrencySample[] | undefined, pick: (s: ConcurrencySample) => number) =>
      median((samples ?? []).map(pick));
    const label = `${total} turns on ${shape.threads} threads`;
    return [
      measurement({
        name: "concurrency.wall",
        value: med(sdk, (s) => s.ms),
        unit: "ms",
        better: "lower",
        baseline: med(bare, (s) => s.ms),
        note: `${label}, every result's routing checked`,
      }),
      measurement({
        name: "concurrency.heap_peak",
        value: med(sdk, (s) => s.heapGrowth) / MB,
        unit: "MiB",
        better: "lower",
        baseline: med(bare, (s) => s.heapGrowth) / MB,
        note: "peak heap in use during the run, above the heap before it",
      }),
      measurement({
        name: "concurrency.rss_peak",
        value: Math.max(...(sdk ?? []).map((s) => s.rss)) / MB,
        unit: "MiB",
        better: "lower",
        note: "peak resident set of the bench process (both arms share it)",
      }),
    ];
  },
};

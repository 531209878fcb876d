import { CodexClient, input } from "@codex-app-server/client";
import { reply, startRealAppServer } from "@codex-app-server/testing";
import { StdioTransport } from "@codex-app-server/transport/stdio";
import { Codex } from "@openai/codex-sdk";
import type { BenchContext, Benchmark } from "../benchmark.js";
import { type Arm, interleave } from "../interleave.js";
import { type Measurement, measurement } from "../measurement.js";
import { median } from "../stats.js";
import { LineClient, type RawMessage } from "../support/lineClient.js";

const ANSWER = "Hello from the scripted model.";

/** A bare JSON-lines client's one-shot turn: thread/start, turn/start, wait for turn/completed. */
async function bareOneShot(client: LineClient, prompt: string): Promise<string | undefined> {
  const started = await client.call("thread/start", {});
  const threadId = (started.result as { thread: { id: string } } | undefined)?.thread.id;
  if (threadId === undefined) throw new Error(`thread/start failed: ${JSON.stringify(started.error)}`);
  let finalText: string | undefined;
  const completed = new Promise<void>((resolve) => {
    client.onMessage = (message: RawMessage) => {
      const params = message.params as
        | { threadId?: string; item?: { type: string; text?: string } }
        | undefined;
      if (params?.threadId !== threadId) return;
      if (message.method === "item/completed" && params.item?.type === "agentMessage")
        finalText = params.item.text;
      else if (message.method === "turn/completed") resolve();
    };
  });
  const response = await client.call("turn/start", { threadId, input: [input.text(prompt)] });
  if (response.error !== undefined) throw new Error(`turn/start failed: ${JSON.stringify(response.error)}`);
  await completed;
  return finalText;
}

/**
 * `real-server`: one-shot turns (a new thread, one message, its answer) against the pinned
 * `codex app-server` and a `ScriptedModel`. This SDK keeps one server process for every
 * turn; `@openai/codex-sdk`'s `Thread.run` starts `codex exec` for each turn. Both run the same
 * binary (`codexPathOverride`) with the same environment, so the same CODEX_HOME and config.toml
 * point both at the same scripted model. A bare JSON-lines client on a second long-lived server
 * shows what the server itself takes per turn.
 */
export const realServerBenchmark: Benchmark = {
  name: "real-server",
  summary:
    "20 one-shot turns on one long-lived real app-server, vs @openai/codex-sdk Thread.run (codex exec per turn)",
  async run(context: BenchContext): Promise<Measurement[]> {
    const reps = context.reps ?? (context.quick ? 2 : 20);
    await using server = await startRealAppServer();
    server.model.setFallback(reply.message(ANSWER, { chunks: 3 }));
    const client = new CodexClient(new StdioTransport(server.stdioOptions), { requestTimeoutMs: 60_000 });
    const codex = new Codex({ codexPathOverride: server.command, env: server.env });
    const bare = await LineClient.spawn(
      { command: server.command, args: server.args },
      {
        env: server.env,
        cwd: server.cwd,
      },
    );
    try {
      const startedAt = performance.now();
      await client.initialize();
      await bare.initialize();
      context.log(
        `real-server: two app-servers up and initialized in ${(performance.now() - startedAt).toFixed(0)} ms`,
      );
      const check = (who: string, text: string | null | undefined) => {
        if (text !== ANSWER) throw new Error(`${who} answered ${JSON.stringify(text)}`);
      };
      const timed = async (run: () => Promise<void>) => {
        const start = performance.now();
        await run();
        return performance.now() - start;
      };
      const arms: Arm<number>[] = [
        {
          name: "codex-sdk",
          run: (rep) =>
            timed(async () => {
              const thread = codex.startThread({
                workingDirectory: server.workspace,
                skipGitRepoCheck: true,
              });
              check("codex-sdk", (await thread.run(`codex-sdk turn ${rep}`)).finalResponse);
            }),
        },
        {
          name: "sdk",
          run: (rep) =>
            timed(async () => {
              const thread = await client.startThread();
              check("the SDK", (await thread.run(`sdk turn ${rep}`)).finalResponse);
            }),
        },
        {
          name: "bare",
          run: (rep) =>
            timed(async () => check("the bare client", await bareOneShot(bare, `bare turn ${rep}`))),
        },
      ];
      const [codexSdk, sdk, bareTurns] = await interleave(arms, {
        reps,
        onRound: (round, arm, sample) =>
          context.log(
            `real-server: ${round < 0 ? "warm-up" : `turn ${round + 1}`} ${arm} ${sample.toFixed(0)} ms`,
          ),
      });
      const sdkMedian = median(sdk ?? []);
      return [
        measurement({
          name: "real-server.turn",
          value: sdkMedian,
          unit: "ms",
          better: "lower",
          baseline: median(codexSdk ?? []),
          target: 1 / 3,
          note: `median one-shot turn (thread + turn) of ${reps}, vs @openai/codex-sdk Thread.run`,
        }),
        measurement({
          name: "real-server.turn_vs_bare",
          value: sdkMedian,
          unit: "ms",
          better: "lower",
          baseline: median(bareTurns ?? []),
          note: "the same, vs a bare JSON-lines client on its own long-lived server",
        }),
      ];
    } finally {
      await client.close();
      await bare.close();
    }
  },
};

import { CodexClient, input } from "@codex-app-server/client";
import { StdioTransport } from "@codex-app-server/transport/stdio";
import { cpuClock } from "./cpuClock.js";
import { collectGarbage } from "./gc.js";
import { LineClient } from "./lineClient.js";
import { replayServerCommand } from "./replayCommand.js";
import { TransportClient } from "./transportClient.js";
import { TurnRouter } from "./turnRouter.js";

export const replyText = (k: number) => `reply #${k}`;
export const promptOf = (k: number) => `turn ${k}`;

export const threadIdOf = (response: { result?: unknown } | undefined): string =>
  (response?.result as { thread: { id: string } }).thread.id;

/** Some turns run one after the other on one session. */
export interface TurnsSample {
  /** CPU time of this process over the turns, milliseconds (the replay child's is not in it). */
  cpuMs: number;
  /** Wall time over the turns, milliseconds (includes waiting for the replay child). */
  wallMs: number;
  turns: number;
}

/**
 * A client connected to a replay of `recordTurns`'s session, its threads open: it runs the recorded
 * turns, in order, on the first thread, each checked. Opening costs `setupCpuMs` of CPU.
 */
export interface TurnSession {
  readonly name: string;
  readonly threads: number;
  /** CPU time of this process to open the threads (after `initialize`), milliseconds. */
  readonly setupCpuMs: number;
  /**
   * Runs the turns `first` to `first + count - 1` (the recording's numbering), one after the other.
   * No collection first: whatever the collector does meanwhile is counted.
   */
  runTurns(first: number, count: number): Promise<TurnsSample>;
  close(): Promise<void>;
}

/** Turn k's result must be the k-th script's, on the thread that started it. */
function check(
  session: string,
  k: number,
  got: {
    status: string | undefined;
    threadId: string | undefined;
    finalText: string | null;
    deltas?: string;
  },
  threadId: string,
): void {
  const expected = replyText(k);
  if (
    got.status !== "completed" ||
    got.threadId !== threadId ||
    got.finalText !== expected ||
    (got.deltas !== undefined && got.deltas !== expected)
  ) {
    throw new Error(
      `turns (${session}): turn ${k} on ${threadId} expected "${expected}", got ${JSON.stringify(got)}`,
    );
  }
}

/** The measured part: the turns one after the other, on the CPU and the wall clock. */
async function timed(
  first: number,
  count: number,
  runTurn: (k: number) => Promise<void>,
): Promise<TurnsSample> {
  const cpu = cpuClock();
  const start = performance.now();
  for (let k = first; k < first + count; k++) await runTurn(k);
  const wallMs = performance.now() - start;
  return { cpuMs: cpu(), wallMs, turns: count };
}

/** Opens the session; closes the client if that fails. */
async function opened<C extends { close(): Promise<void> }>(
  client: C,
  open: (client: C) => Promise<TurnSession>,
): Promise<TurnSession> {
  try {
    return await open(client);
  } catch (error) {
    await client.close();
    throw error;
  }
}

/** The SDK: `CodexClient` over `StdioTransport`; `client.startThread()`, then `thread.turn()` and `turn.result()`. */
export function openSdkSession(recordingPath: string, threads: number, name = "sdk"): Promise<TurnSession> {
  const errors: Error[] = [];
  const client = new CodexClient(new StdioTransport(replayServerCommand(recordingPath)), {
    requestTimeoutMs: 600_000,
    // Every thread stays open: the point is the cost of a turn with all of them open (and the
    // recording has no thread/unsubscribe to answer).
    maxIdleThreads: Number.POSITIVE_INFINITY,
    onError: (error) => errors.push(error),
  });
  return opened(client, async () => {
    await client.initialize();
    const setup = cpuClock();
    const handles = await Promise.all(Array.from({ length: threads }, () => client.startThread()));
    const setupCpuMs = setup();
    const thread = handles[0];
    if (thread === undefined || client.knownThreads.size !== threads) {
      throw new Error(`turns (${name}): ${client.knownThreads.size}/${threads} threads open`);
    }
    return {
      name,
      threads,
      setupCpuMs,
      async runTurns(first, count) {
        const sample = await timed(first, count, async (k) => {
          const turn = await thread.turn(promptOf(k));
          const result = await turn.result();
          check(
            name,
            k,
            { status: result.status, threadId: result.threadId, finalText: result.finalResponse },
            thread.id,
          );
        });
        if (errors.length > 0)
          throw new Error(`turns (${name}): ${errors.length} errors, first: ${errors[0]?.message}`);
        return sample;
      },
      close: () => client.close(),
    };
  });
}

/** What a bare session needs of its client: a request, answered by the whole response message. */
type Call = (method: string, params: unknown) => Promise<{ result?: unknown; error?: unknown }>;

async function bareSession(
  name: string,
  call: Call,
  router: TurnRouter,
  threads: number,
  close: () => Promise<void>,
): Promise<TurnSession> {
  const setup = cpuClock();
  const threadIds = await Promise.all(
    Array.from({ length: threads }, async () => threadIdOf(await call("thread/start", {}))),
  );
  const setupCpuMs = setup();
  const threadId = threadIds[0] as string;
  return {
    name,
    threads,
    setupCpuMs,
    runTurns: (first, count) =>
      timed(first, count, async (k) => {
        const response = await call("turn/start", { threadId, input: [input.text(promptOf(k))] });
        const turnId = (response.result as { turn: { id: string } }).turn.id;
        check(name, k, await router.completed(turnId), threadId);
      }),
    close,
  };
}

/** What the bare sessions need of their client: initialize, call, close, and the messages it reads. */
interface BareClient {
  onMessage: (message: { method?: string; params?: unknown }) => void;
  initialize(): Promise<void>;
  call(method: string, params?: unknown): Promise<{ result?: unknown; error?: unknown }>;
  close(): Promise<void>;
}

/** A bare session on `client`: its notifications go to a per-turn record by turn id (`TurnRouter`). */
function openBareClientSession(client: BareClient, threads: number, name: string): Promise<TurnSession> {
  const router = new TurnRouter();
  client.onMessage = (message) => router.route(message.method, message.params);
  return opened(client, async () => {
    await client.initialize();
    return bareSession(
      name,
      (method, params) => client.call(method, params),
      router,
      threads,
      () => client.close(),
    );
  });
}

/**
 * The baseline: a bare JSON-lines client (`LineClient`: stdout as UTF-8, split, `JSON.parse` once,
 * responses by id) whose notifications go to a per-turn record by turn id (`TurnRouter`).
 */
export async function openBareSession(
  recordingPath: string,
  threads: number,
  name = "bare",
): Promise<TurnSession> {
  return openBareClientSession(await LineClient.spawn(replayServerCommand(recordingPath)), threads, name);
}

/** The same bare routing on the SDK's `StdioTransport` (its decoder and writer; no `RpcPeer`, no validation). */
export function openBareTransportSession(
  recordingPath: string,
  threads: number,
  name = "bare transport",
): Promise<TurnSession> {
  const client = new TransportClient(new StdioTransport(replayServerCommand(recordingPath)));
  return openBareClientSession(client, threads, name);
}

/**
 * Opens a session, runs the first `turns` turns, closes it: a fresh client per sample, in the bench
 * process. A full collection first, so the turns do not pay for the garbage of the arm before them;
 * before opening, so that the collector's background work after it (sweeping, returning pages: 5 to
 * 20 ms of CPU on its own threads) overlaps the child's start rather than the turns.
 */
export async function freshSessionTurns(
  open: (recordingPath: string, threads: number) => Promise<TurnSession>,
  recordingPath: string,
  threads: number,
  turns: number,
): Promise<TurnsSample> {
  collectGarbage();
  const session = await open(recordingPath, threads);
  try {
    return await session.runTurns(0, turns);
  } finally {
    await session.close();
  }
}

/** The session kinds by name, for the session host and the profiling script. */
export const SESSION_KINDS = {
  sdk: openSdkSession,
  bare: openBareSession,
  "bare-transport": openBareTransportSession,
} as const;

export type SessionKind = keyof typeof SESSION_KINDS;

export function isSessionKind(value: string): value is SessionKind {
  return Object.hasOwn(SESSION_KINDS, value);
}

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { TcpProxy, WebSocketRealAppServer } from "@codex-app-server/testing";
import {
  createGate,
  liveAppServerPids,
  reply,
  startRealAppServer,
  startTcpProxy,
} from "@codex-app-server/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AnyActorRef } from "xstate";
import type { ServerNotification, ServerRequest, TurnHandle } from "../src/index.js";
import { CodexClient, CodexTurnLostError } from "../src/index.js";
import { connectStdio } from "../src/node/index.js";

/**
 * A live turn survives a dropped websocket connection, against the real `codex app-server` (the pinned
 * release, and the oldest supported one in the second vitest project). The client talks to the server
 * through a TCP proxy the test controls: `proxy.cut()` drops the connection (a reset on both sides, as
 * when a network goes away) while the server goes on with the turn. ScriptedModel gates hold the answer
 * between two deltas, so every cut lands at a known point of the stream. Nothing waits on a clock.
 */
let server: WebSocketRealAppServer;
let proxy: TcpProxy;
let client: CodexClient;
let decide: (request: ServerRequest) => unknown = () => undefined;
const errors: Error[] = [];
/** Every delta the client received from the wire, by item. */
const received = new Map<string, number>();

beforeAll(async () => {
  server = await startRealAppServer({ transport: "websocket" });
  proxy = await startTcpProxy({ target: { port: Number(new URL(server.url).port) } });
  client = await CodexClient.connectWebSocket({
    url: proxy.wsUrl,
    token: server.token,
    validation: "strict",
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: 20 },
    onServerRequest: (request) => decide(request),
    onError: (error) => errors.push(error),
  });
  client.onNotification((n: ServerNotification) => {
    if (n.method === "item/agentMessage/delta") {
      received.set(n.params.itemId, (received.get(n.params.itemId) ?? 0) + 1);
    }
  });
}, 60_000);

beforeEach(() => {
  server.model.reset();
  decide = () => undefined;
  errors.length = 0;
  received.clear();
});

afterAll(async () => {
  await client?.close();
  await proxy?.close();
  await server?.close();
  expect(liveAppServerPids()).toEqual([]);
});

/** Resolves once the actor's snapshot satisfies `test` (at once if it does now). */
function reaches(actor: AnyActorRef, test: (snapshot: { matches(state: string): boolean }) => boolean) {
  return new Promise<void>((resolve) => {
    if (test(actor.getSnapshot())) return resolve();
    const subscription = actor.subscribe({
      next: (snapshot) => {
        if (!test(snapshot)) return;
        subscription.unsubscribe();
        resolve();
      },
      complete: () => {
        subscription.unsubscribe();
        resolve();
      },
    });
  });
}

/** Resolves once the client received `count` deltas from the wire. */
function deltasReceived(count: number): Promise<void> {
  const total = () => [...received.values()].reduce((a, b) => a + b, 0);
  if (total() >= count) return Promise.resolve();
  return new Promise((resolve) => {
    const off = client.onNotification(() => {
      if (total() < count) return;
      off();
      resolve();
    });
  });
}

/** Cuts the connection and waits until the turn is detached and the client reconnecting. */
async function cut(turn: TurnHandle): Promise<void> {
  const detached = reaches(turn.actor, (s) => s.matches("detached"));
  const reconnecting = reaches(client.actor, (s) => s.matches("reconnecting"));
  proxy.cut();
  await Promise.all([detached, reconnecting]);
}

/** Waits until the client is ready again and the turn streams (or has ended). */
async function reattached(turn: TurnHandle): Promise<void> {
  await reaches(client.actor, (s) => s.matches("ready"));
  await reaches(turn.actor, (s) => !s.matches("detached"));
}

function readText(turn: TurnHandle): Promise<string> {
  return (async () => {
    let text = "";
    for await (const delta of turn.textDeltas()) text += delta;
    return text;
  })();
}

const ANSWER = "One, two, three, four, five, six, seven, eight.";

describe("a live turn across a dropped websocket connection", () => {
  it("cut in the middle of a streamed answer: the reader goes on, nothing lost or repeated", async () => {
    const gate = createGate();
    server.model.when(
      "cut mid-stream",
      reply.message(ANSWER, { chunks: 8, gates: [{ afterChunk: 3, gate }] }),
    );
    const thread = await client.startThread();
    const turn = await thread.turn("cut mid-stream");
    const text = readText(turn);
    await gate.reached;
    await deltasReceived(3);
    proxy.refuse();
    await cut(turn);
    // The model streams the rest of the answer while no connection can get through: the server goes on
    // with the turn, and the client's attempts fail and back off.
    gate.release();
    await server.model.waitForIdle();
    await proxy.waitForConnections(proxy.connectionCount + 2);
    expect(client.actor.getSnapshot().context.reconnectAttempt).toBeGreaterThanOrEqual(2);
    proxy.accept();
    await reattached(turn);
    expect(await text).toBe(ANSWER);
    const result = await turn.result();
    expect(result.status).toBe("completed");
    expect(result.finalResponse).toBe(ANSWER);
    expect(result.items.filter((i) => i.type === "agentMessage")).toHaveLength(1);
    expect(client.state).toBe("ready");
    // The thread was resumed on the new connection: its next turn streams as usual.
    server.model.when("after the cut", reply.message("Still here.", { chunks: 2 }));
    expect((await thread.run("after the cut")).finalResponse).toBe("Still here.");
    expect(errors).toEqual([]);
  });

  it("cut twice in one turn, once with the answer going on after the reconnection: the text is whole", async () => {
    const first = createGate();
    const second = createGate();
    server.model.when(
      "cut twice",
      reply.sequence(
        reply.reasoning("Thinking it over", { chunks: 2 }),
        reply.message(ANSWER, {
          chunks: 8,
          gates: [
            { afterChunk: 2, gate: first },
            { afterChunk: 5, gate: second },
          ],
        }),
      ),
    );
    const thread = await client.startThread();
    const turn = await thread.turn("cut twice");
    const text = readText(turn);
    await first.reached;
    await deltasReceived(2);
    await cut(turn);
    await reattached(turn);
    expect(turn.state).toBe("streaming");
    // Back on a new connection: the answer goes on live.
    first.release();
    await second.reached;
    await cut(turn);
    second.release();
    await reattached(turn);
    expect(await text).toBe(ANSWER);
    const result = await turn.result();
    expect(result.finalResponse).toBe(ANSWER);
    const steps = result.items.map((i) => i.type);
    expect(steps.filter((t) => t === "agentMessage")).toHaveLength(1);
    expect(steps.filter((t) => t === "reasoning")).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it("cut while turn/start is in flight: the start resolves with the turn the server began, its answer whole", async () => {
    const gate = createGate();
    server.model.when(
      "cut while starting",
      reply.message(ANSWER, { chunks: 8, gates: [{ afterChunk: 3, gate }] }),
    );
    const thread = await client.startThread();
    // The server gets the request and starts the turn; its answer, and all it streams, are lost.
    proxy.dropFromTarget();
    let settled = false;
    const starting = thread.turn("cut while starting").finally(() => {
      settled = true;
    });
    await gate.reached;
    expect(settled).toBe(false);
    const reconnecting = reaches(client.actor, (s) => s.matches("reconnecting"));
    proxy.cut();
    await reconnecting;
    const turn = await starting;
    expect(turn.threadId).toBe(thread.id);
    // Found in the resumed thread and followed from there: the answer streams on once the model goes on.
    expect(turn.state).toBe("streaming");
    const text = readText(turn);
    gate.release();
    expect(await text).toBe(ANSWER);
    const result = await turn.result();
    expect(result.status).toBe("completed");
    expect(result.finalResponse).toBe(ANSWER);
    expect(result.items.filter((i) => i.type === "agentMessage")).toHaveLength(1);
    expect((await thread.read({ includeTurns: true })).thread.turns.map((t) => t.id)).toContain(turn.turnId);
    expect(errors).toEqual([]);
  });

  it("cut during a pending approval: the server asks again, the handler is asked once, the command runs once", async () => {
    const marker = join(server.workspace, "reconnect-marker");
    server.model.when(
      "approve across a cut",
      reply.execCommand({ cmd: `touch ${marker}`, justification: "make a marker" }),
      reply.message(ANSWER, { chunks: 4 }),
    );
    const asked: ServerRequest[] = [];
    let answer!: (value: unknown) => void;
    const asking = new Promise<void>((resolve) => {
      decide = (request) => {
        asked.push(request);
        resolve();
        return new Promise((settle) => {
          answer = settle;
        });
      };
    });
    const thread = await client.startThread();
    const turn = await thread.turn("approve across a cut");
    const text = readText(turn);
    await asking;
    expect(turn.awaitingRequest).toBe(true);
    await cut(turn);
    await reattached(turn);
    // The request waited across the cut; the server asked again on the new connection.
    expect(turn.awaitingRequest).toBe(true);
    const request = asked[0];
    if (request?.kind !== "commandExecution") throw new Error("expected a command approval");
    answer(request.accept());
    expect(await text).toBe(ANSWER);
    const result = await turn.result();
    expect(asked).toHaveLength(1);
    expect(existsSync(marker)).toBe(true);
    expect(result.items.filter((i) => i.type === "commandExecution")).toHaveLength(1);
    expect(result.finalResponse).toBe(ANSWER);
    expect(errors).toEqual([]);
  });

  it("an idle thread is resumed too, and a read in flight when the connection drops is answered", async () => {
    const idle = await client.startThread();
    server.model.when("before", reply.message("Before."));
    await idle.run("before");
    const gate = createGate();
    server.model.when("other turn", reply.message(ANSWER, { chunks: 4, gates: [{ afterChunk: 1, gate }] }));
    const busy = await client.startThread();
    const turn = await busy.turn("other turn");
    await gate.reached;
    await deltasReceived(1);
    const read = client.readThread(idle.id);
    await cut(turn);
    gate.release();
    await reattached(turn);
    expect((await read).thread.id).toBe(idle.id);
    await turn.result();
    server.model.when("idle again", reply.message("Idle no more.", { chunks: 2 }));
    expect((await idle.run("idle again")).finalResponse).toBe("Idle no more.");
    expect(errors).toEqual([]);
  });

  it("the uncut answer, for comparison, and the client keeps serving after the cuts", async () => {
    server.model.when("uncut", reply.message(ANSWER, { chunks: 8 }));
    const result = await client.chatOnce("uncut");
    expect(result.finalText).toBe(ANSWER);
    expect(errors).toEqual([]);
  });
});

describe("a stdio server killed in the middle of a turn, with respawn: true", () => {
  it("fails the turn with CodexTurnLostError, starts a new server and resumes the thread with its history", async () => {
    await using stdio = await startRealAppServer({ transport: "stdio" });
    const pidFile = join(stdio.codexHome, "app-server.pid");
    const { command, args, cwd, env } = stdio.stdioOptions;
    const lostErrors: Error[] = [];
    await using respawning = await connectStdio({
      // The shell writes its pid, then becomes the server: the test knows which process to kill.
      command: "sh",
      args: ["-c", 'echo $$ > "$CODEX_TEST_PID_FILE"; exec "$@"', "sh", command, ...(args ?? [])],
      ...(cwd === undefined ? {} : { cwd }),
      env: { ...env, CODEX_TEST_PID_FILE: pidFile },
      respawn: true,
      reconnect: { initialDelayMs: 10, maxDelayMs: 100 },
      validation: "strict",
      onError: (error) => lostErrors.push(error),
    });
    const gate = createGate();
    stdio.model.when(
      "killed mid-stream",
      reply.message(ANSWER, { chunks: 4, gates: [{ afterChunk: 2, gate }] }),
    );
    const thread = await respawning.startThread();
    const turn = await thread.turn("killed mid-stream");
    await gate.reached;
    const firstPid = Number((await readFile(pidFile, "utf8")).trim());
    process.kill(firstPid, "SIGKILL");
    const error = await turn.result().catch((e: unknown) => e);
    gate.release();
    expect(error).toBeInstanceOf(CodexTurnLostError);
    expect((error as Error).message).toMatch(/SIGKILL.*does not outlive its server/);
    await reaches(respawning.actor, (s) => s.matches("ready"));
    const secondPid = Number((await readFile(pidFile, "utf8")).trim());
    expect(secondPid).not.toBe(firstPid);
    stdio.model.when("after the respawn", reply.message("Back.", { chunks: 2 }));
    const result = await thread.run("after the respawn");
    expect(result.finalResponse).toBe("Back.");
    // The new server resumed the thread from disk: the model sees the earlier prompt in its input.
    expect(stdio.model.requests.at(-1)?.userTexts).toContain("killed mid-stream");
    expect(lostErrors).toEqual([]);
  });
});

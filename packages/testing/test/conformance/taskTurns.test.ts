import { StdioTransport } from "@codex-app-server/transport/stdio";
import { afterAll, describe, expect, it } from "vitest";
import { FakeAppServer } from "../../src/fake/fakeAppServer.js";
import { step } from "../../src/fake/turnScript.js";
import { liveAppServerPids } from "../../src/realServer/appServerProcess.js";
import { startRealAppServer } from "../../src/realServer/startRealAppServer.js";
import { createGate } from "../../src/scriptedModel/gate.js";
import { reply } from "../../src/scriptedModel/replies.js";
import { describeServerMessage } from "../../src/sequence/describeServerMessage.js";
import { messagesOfTurn } from "../../src/sequence/messagesOfTurn.js";
import type { Received } from "../support/rawClient.js";
import { RawClient } from "../support/rawClient.js";

/**
 * Compactions (`thread/compact/start`) and reviews (`review/start`) are turns too: the fake plays them
 * as the real server does. Left out of the sequences: `warning` (the real server's note about
 * `mock-model`) and `thread/tokenUsage/updated`, which a real compaction sends once per model call
 * (one to three times) where the fake sends it once.
 */
const IGNORED = ["warning", "thread/tokenUsage/updated"];
const REVIEW_PROMPT = "review the last change";

interface Setup {
  /** The compaction waits for its model (the real server) or hangs (the fake) until interrupted. */
  holdCompaction?: boolean;
  /** The review's answer; `null`: it waits until interrupted. */
  review?: string | null;
}

type Factory = (setup: Setup) => Promise<{ client: RawClient } & AsyncDisposable>;

const fake: Factory = async (setup) => {
  const { server, transport } = FakeAppServer.inMemory({
    compaction: setup.holdCompaction ? [step.hang()] : [],
    // The review tests run no turn before it: the review takes the first script as its answer.
    turns: [
      setup.review === undefined
        ? [step.message("Hi there")]
        : setup.review === null
          ? [step.hang()]
          : [step.message(setup.review)],
    ],
  });
  const client = await RawClient.connect(transport);
  return {
    client,
    async [Symbol.asyncDispose]() {
      await client.close();
      await server.close();
      if (server.errors.length > 0) throw new AggregateError(server.errors, "the fake recorded errors");
    },
  };
};

const real: Factory = async (setup) => {
  const server = await startRealAppServer();
  try {
    server.model.when("hello", reply.message("Hi there"));
    const hold = createGate();
    const compaction = /CONTEXT CHECKPOINT COMPACTION/;
    if (setup.holdCompaction)
      server.model.when(compaction, reply.sequence(reply.waitFor(hold), reply.message("x")));
    else server.model.when(compaction, reply.message("summary"));
    if (setup.review === null)
      server.model.when(REVIEW_PROMPT, reply.sequence(reply.waitFor(hold), reply.message("x")));
    else if (setup.review !== undefined) server.model.when(REVIEW_PROMPT, reply.message(setup.review));
    const client = await RawClient.connect(new StdioTransport(server.stdioOptions));
    return {
      client,
      async [Symbol.asyncDispose]() {
        await client.close();
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
};

/** The thread's messages from `from` up to the `turn/completed` of `turnId`, described. */
async function sequenceUntilEnd(client: RawClient, threadId: string, turnId: string, from: number) {
  const completed = await client.waitForNotification(
    "turn/completed",
    (p) => (p.turn as { id: string }).id === turnId,
    from,
  );
  const entries = messagesOfTurn(client.log.slice(from, client.log.indexOf(completed) + 1), {
    threadId,
    ignore: IGNORED,
  });
  return { entries, sequence: entries.map(describeServerMessage), turn: completed.params.turn as Turnish };
}

interface Turnish {
  id: string;
  rootTurnId: string | null;
  status: string;
  items: Array<{ type: string; text?: string }>;
}

const turnStarted = (client: RawClient, threadId: string, from: number): Promise<Received> =>
  client.waitForNotification("turn/started", (p) => p.threadId === threadId, from);

const SERVERS: Array<[string, Factory]> = [
  ["the fake", fake],
  ["the real server (offline, scripted model)", real],
];

describe.each(SERVERS)("compaction and review turns: %s", (_name, factory) => {
  it("a compaction is a turn: started after its {} answer, a contextCompaction item, completed", async () => {
    await using server = await factory({});
    const { client } = server;
    const threadId = await client.startThread();
    await client.runTurn(threadId, "hello");
    const from = client.log.length;
    expect(await client.peer.request("thread/compact/start", { threadId })).toEqual({});
    const started = await turnStarted(client, threadId, from);
    const turnId = (started.params.turn as Turnish).id;
    const { sequence, turn } = await sequenceUntilEnd(client, threadId, turnId, from);
    expect(sequence).toEqual([
      "thread/status/changed(active)",
      "turn/started",
      "item/started(contextCompaction)",
      "item/completed(contextCompaction)",
      "thread/status/changed(idle)",
      "turn/completed(completed)",
    ]);
    expect(turn).toMatchObject({ id: turnId, rootTurnId: turnId, items: [] });
  });

  it("a running compaction refuses turn/start and turn/steer, and is interrupted by its id", async () => {
    await using server = await factory({ holdCompaction: true });
    const { client } = server;
    const threadId = await client.startThread();
    await client.runTurn(threadId, "hello");
    const from = client.log.length;
    await client.peer.request("thread/compact/start", { threadId });
    const started = await turnStarted(client, threadId, from);
    const turnId = (started.params.turn as Turnish).id;
    await client.waitForNotification("item/started", (p) => p.turnId === turnId, from);
    const input = [{ type: "text" as const, text: "more", text_elements: [] }];
    await expect(client.peer.request("turn/start", { threadId, input })).rejects.toMatchObject({
      code: -32603,
      message: "failed to submit turn input: ActiveTurnNotSteerable { turn_kind: Compact }",
    });
    await expect(
      client.peer.request("turn/steer", { threadId, expectedTurnId: turnId, input }),
    ).rejects.toMatchObject({ code: -32600, message: "cannot steer a compact turn" });
    expect(await client.peer.request("turn/interrupt", { threadId, turnId })).toEqual({});
    const { sequence } = await sequenceUntilEnd(client, threadId, turnId, from);
    expect(sequence).toEqual([
      "thread/status/changed(active)",
      "turn/started",
      "item/started(contextCompaction)",
      "thread/status/changed(idle)",
      "turn/completed(interrupted)",
    ]);
  });

  it("a review's turn/started names an inner turn; everything else, its end included, names the review's turn", async () => {
    await using server = await factory({ review: "Looks right." });
    const { client } = server;
    const threadId = await client.startThread();
    const from = client.log.length;
    const answer = await client.peer.request("review/start", {
      threadId,
      target: { type: "custom", instructions: REVIEW_PROMPT },
    });
    expect(answer.reviewThreadId).toBe(threadId);
    expect(answer.turn).toMatchObject({
      status: "inProgress",
      rootTurnId: null,
      items: [{ type: "userMessage", id: answer.turn.id, content: [{ type: "text", text: REVIEW_PROMPT }] }],
    });
    const reviewId = answer.turn.id;
    const { entries, sequence, turn } = await sequenceUntilEnd(client, threadId, reviewId, from);
    expect(sequence).toEqual([
      "item/started(enteredReviewMode)",
      "item/completed(enteredReviewMode)",
      "thread/status/changed(active)",
      "turn/started",
      "item/started(userMessage)",
      "item/completed(userMessage)",
      "item/started(agentMessage)",
      "item/started(exitedReviewMode)",
      "item/completed(exitedReviewMode)",
      "item/started(agentMessage)",
      "item/completed(agentMessage)",
      "thread/status/changed(idle)",
      "turn/completed(completed)",
    ]);
    const inner = entries.find((e) => e.method === "turn/started")?.params as { turn: Turnish };
    expect(inner.turn.id).not.toBe(reviewId);
    expect(inner.turn.rootTurnId).toBe(reviewId);
    for (const entry of entries) {
      const turnId = (entry.params as { turnId?: string }).turnId;
      if (turnId !== undefined) expect(turnId).toBe(reviewId);
    }
    const exited = entries.find(
      (e) =>
        e.method === "item/completed" &&
        (e.params as { item: { type: string } }).item.type === "exitedReviewMode",
    );
    expect((exited?.params as { item: { review: string } }).item.review).toBe("Looks right.");
    expect(turn).toMatchObject({ id: reviewId, status: "completed" });
    expect(turn.items.map((i) => [i.type, i.text])).toEqual([["agentMessage", "Looks right."]]);
  });

  it("a running review is interrupted by its inner turn's id, not by its own", async () => {
    await using server = await factory({ review: null });
    const { client } = server;
    const threadId = await client.startThread();
    const from = client.log.length;
    const answer = await client.peer.request("review/start", {
      threadId,
      target: { type: "custom", instructions: REVIEW_PROMPT },
    });
    const reviewId = answer.turn.id;
    const started = await turnStarted(client, threadId, from);
    const innerId = (started.params.turn as Turnish).id;
    await client.waitForNotification(
      "item/completed",
      (p) => p.turnId === reviewId && (p.item as { type: string }).type === "userMessage",
      from,
    );
    await expect(client.peer.request("turn/interrupt", { threadId, turnId: reviewId })).rejects.toMatchObject(
      {
        code: -32600,
        message: expect.stringMatching(/^expected active turn id .*but found /),
      },
    );
    const input = [{ type: "text" as const, text: "more", text_elements: [] }];
    await expect(client.peer.request("turn/start", { threadId, input })).rejects.toMatchObject({
      code: -32603,
      message: "failed to submit turn input: ActiveTurnNotSteerable { turn_kind: Review }",
    });
    expect(await client.peer.request("turn/interrupt", { threadId, turnId: innerId })).toEqual({});
    const { turn } = await sequenceUntilEnd(client, threadId, reviewId, from);
    expect(turn).toMatchObject({ id: reviewId, status: "interrupted" });
  });
});

afterAll(() => {
  expect(liveAppServerPids()).toEqual([]);
});

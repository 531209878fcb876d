import { SUPPORTED_CODEX_RANGE } from "@codex-app-server/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { liveAppServerPids } from "../../src/realServer/appServerProcess.js";
import { installedCodexReleases } from "../../src/realServer/codexRelease.js";
import { describeServerMessage } from "../../src/sequence/describeServerMessage.js";
import { messagesOfTurn } from "../../src/sequence/messagesOfTurn.js";
import type { RawClient, Received, TurnContext } from "../support/rawClient.js";
import type { Interaction, Scenario, TurnExpectation } from "./scenarios.js";
import { SCENARIOS } from "./scenarios.js";
import type { ServerFactory } from "./servers.js";
import { childPids, fakeOverStdio, fakeOverWebSocket, fakeServer, realServer } from "./servers.js";

/**
 * Methods left out of a turn's sequence although they name its thread:
 * - `warning`: the real server warns once per thread that it has no metadata for `mock-model`; the
 *   warning follows `thread/started` and may land after the next `turn/start` answer. It is about
 *   the thread's model, not the turn, and the fake (which has no model) does not send it.
 *
 * Methods that name no thread are left out by `messagesOfTurn` itself:
 * - `account/rateLimits/updated`: account-wide; the real server sends it when a model response
 *   starts or ends, so where it lands depends on HTTP timing (after the first streamed item, or
 *   right after `turn/started` when the stream hangs).
 * - `configWarning`, `remoteControl/status/changed`: sent once per connection after `initialize`.
 */
const IGNORED = ["warning"];

interface TurnOutcome {
  sequence: string[];
  entries: Received[];
  turn: { status: string; items: Array<Record<string, unknown>>; error: unknown };
  approval?: Received;
  interruptAnswer?: unknown;
  /** What the interrupt sent right after `turn/start` answered got, when it was refused. */
  earlyInterruptError?: { code: unknown; message: unknown };
}

/** Resolves once the turn's own user message item completed: the turn is running. */
function userMessageDone(client: RawClient, turn: TurnContext): Promise<Received> {
  return client.waitForNotification(
    "item/completed",
    (p) => p.turnId === turn.turnId && (p.item as { type: string }).type === "userMessage",
    turn.from,
  );
}

async function interact(
  client: RawClient,
  turn: TurnContext,
  interaction: Interaction | undefined,
  modelCalls: (n: number) => Promise<void>,
) {
  const outcome: Partial<TurnOutcome> = {};
  switch (interaction?.kind) {
    case undefined:
      break;
    case "approve": {
      const request = await client.takeServerRequest("item/commandExecution/requestApproval");
      outcome.approval = request;
      request.respond({ decision: interaction.decision });
      break;
    }
    case "interrupt":
      // Interrupt once the turn runs and the server waits on its model (the fake has none).
      await userMessageDone(client, turn);
      await modelCalls(1);
      outcome.interruptAnswer = await client.peer.request("turn/interrupt", {
        threadId: turn.threadId,
        turnId: turn.turnId,
      });
      break;
    case "interruptAtOnce": {
      const params = { threadId: turn.threadId, turnId: turn.turnId };
      const early = await client.peer.request("turn/interrupt", params).then(
        (answer: unknown) => ({ answer }),
        (error: { code: unknown; message: unknown }) => ({ error }),
      );
      if ("answer" in early) {
        // The turn had started already (a slow client): the interrupt was taken.
        outcome.interruptAnswer = early.answer;
        break;
      }
      outcome.earlyInterruptError = { code: early.error.code, message: early.error.message };
      // Once the turn runs (its user message is in), the same interrupt is taken.
      await userMessageDone(client, turn);
      outcome.interruptAnswer = await client.peer.request("turn/interrupt", params);
      break;
    }
    case "steer": {
      await client.waitForNotification(
        "item/completed",
        (params) =>
          (params.item as { type: string }).type === "agentMessage" && params.turnId === turn.turnId,
        turn.from,
      );
      const answer = await client.peer.request("turn/steer", {
        threadId: turn.threadId,
        expectedTurnId: turn.turnId,
        input: [{ type: "text", text: interaction.text, text_elements: [] }],
      });
      expect(answer).toEqual({ turnId: turn.turnId });
      break;
    }
  }
  return outcome;
}

async function runTurn(
  client: RawClient,
  threadId: string,
  expectation: TurnExpectation,
  modelCalls: (n: number) => Promise<void>,
): Promise<TurnOutcome> {
  let extra: Partial<TurnOutcome> = {};
  const run = await client.runTurn(threadId, expectation.text, async (turn) => {
    extra = await interact(client, turn, expectation.interaction, modelCalls);
  });
  const entries = messagesOfTurn(client.log.slice(run.from), {
    threadId,
    turnId: run.turnId,
    ignore: IGNORED,
  });
  const end = entries.findIndex((entry) => entry.method === "turn/completed");
  const own = entries.slice(0, end + 1);
  return { ...extra, entries: own, sequence: own.map(describeServerMessage), turn: run.turn };
}

/**
 * `actual` with each any-order group of `expected` (an inner list) put in the listed order, when the
 * messages at its place are the group's members in some order; anything else is left as it came.
 */
function inListedOrder(actual: string[], expected: Array<string | string[]>): string[] {
  const out: string[] = [];
  let i = 0;
  for (const entry of expected) {
    const size = typeof entry === "string" ? 1 : entry.length;
    const got = actual.slice(i, i + size);
    i += size;
    const same = typeof entry !== "string" && [...got].sort().join("\n") === [...entry].sort().join("\n");
    out.push(...(same ? entry : got));
  }
  return [...out, ...actual.slice(i)];
}

function check(outcome: TurnOutcome, expectation: TurnExpectation, threadId: string): void {
  expect(inListedOrder(outcome.sequence, expectation.sequence)).toEqual(expectation.sequence.flat());
  expect(outcome.turn.status).toBe(expectation.status);
  expect(outcome.turn.items.map((item) => item.text)).toEqual(expectation.items);
  const deltas = outcome.entries.filter((entry) => entry.method === "item/agentMessage/delta");
  if (expectation.deltas) expect(deltas.map((entry) => entry.params.delta)).toEqual(expectation.deltas);

  const started = outcome.entries
    .filter((entry) => entry.method === "item/started")
    .map((entry) => entry.params.item as Record<string, unknown>);
  const completed = outcome.entries
    .filter((entry) => entry.method === "item/completed")
    .map((entry) => entry.params.item as Record<string, unknown>);
  expect(completed.map((item) => item.id)).toEqual(started.map((item) => item.id));

  if (expectation.approvalKeys) {
    const params = outcome.approval?.params ?? {};
    expect(Object.keys(params).sort()).toEqual(expectation.approvalKeys);
    const command = started.find((item) => item.type === "commandExecution");
    expect(params).toMatchObject({
      threadId,
      itemId: command?.id,
      kind: "command",
      reason: "make a marker",
      command: command?.command,
      proposedExecpolicyAmendment: ["touch", "marker"],
      // The real server offers "decline" nowhere, yet accepts it; both list these three.
      availableDecisions: [
        "accept",
        { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch", "marker"] } },
        "cancel",
      ],
    });
    const resolved = outcome.entries.find((entry) => entry.method === "serverRequest/resolved");
    expect(resolved?.params).toEqual({ threadId, requestId: outcome.approval?.id });
  }
  if (expectation.interaction?.kind === "interrupt") expect(outcome.interruptAnswer).toEqual({});
  if (expectation.interaction?.kind === "interruptAtOnce") {
    expect(outcome.interruptAnswer).toEqual({});
    if (outcome.earlyInterruptError) {
      expect(outcome.earlyInterruptError).toEqual({ code: -32600, message: "no active turn to interrupt" });
    }
  }
  if (expectation.status === "failed") {
    const error = outcome.entries.find((entry) => entry.method === "error")?.params;
    expect(error).toMatchObject({
      threadId,
      willRetry: false,
      error: {
        codexErrorInfo: "internalServerError",
        message: expect.any(String),
        additionalDetails: null,
        misalignment: null,
      },
    });
    expect(outcome.turn.error).toEqual(error?.error);
  }
}

async function runScenario(factory: ServerFactory, scenario: Scenario): Promise<void> {
  await using server = await factory(scenario);
  const { client } = server;
  const threads: string[] = [];
  for (let i = 0; i < scenario.turns.length; i++) threads.push(await client.startThread());
  const outcomes = await Promise.all(
    scenario.turns.map((expectation, i) =>
      runTurn(client, threads[i] as string, expectation, (n) => server.modelCalls(n)),
    ),
  );
  for (const [i, outcome] of outcomes.entries()) {
    const expectation = scenario.turns[i] as TurnExpectation;
    check(outcome, expectation, threads[i] as string);
    // In memory the client's interrupt always lands inside the fake's start delay: the refusal is seen.
    if (factory === fakeServer && expectation.interaction?.kind === "interruptAtOnce") {
      expect(outcome.earlyInterruptError).toEqual({ code: -32600, message: "no active turn to interrupt" });
    }
  }
  expect(client.errors).toEqual([]);
}

const SERVERS: Array<[string, ServerFactory]> = [
  ["the fake, in memory", fakeServer],
  ["the fake over WebSocket", fakeOverWebSocket],
  ["the fake's stdio bin", fakeOverStdio],
  // Every supported release installed here: the pinned newest and the oldest (an npm alias).
  ...installedCodexReleases().map((version): [string, ServerFactory] => [
    `the real server ${version} (offline, scripted model)`,
    realServer(version),
  ]),
];

it("runs against both ends of the supported codex range", () => {
  expect(SERVERS.map(([name]) => name).filter((name) => name.startsWith("the real server"))).toEqual([
    `the real server ${SUPPORTED_CODEX_RANGE.oldest} (offline, scripted model)`,
    `the real server ${SUPPORTED_CODEX_RANGE.newest} (offline, scripted model)`,
  ]);
});

describe.each(SERVERS)("conformance: %s", (_name, factory) => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, () => runScenario(factory, scenario));
  }
});

afterAll(() => {
  const alive = childPids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  expect(childPids.length).toBeGreaterThan(0);
  expect(alive).toEqual([]);
  expect(liveAppServerPids()).toEqual([]);
});

import { afterEach, beforeEach, expect } from "vitest";
import type { FakeAppServer, FakeAppServerOptions } from "./fake/fakeAppServer.js";
import type { InMemoryFakeAppServer } from "./fake/startFakeAppServer.js";
import { startFakeAppServer } from "./fake/startFakeAppServer.js";
import type {
  StartRealAppServerOptions,
  StdioRealAppServer,
  WebSocketRealAppServer,
} from "./realServer/startRealAppServer.js";
import { startRealAppServer } from "./realServer/startRealAppServer.js";
import type { ScriptedModelOptions } from "./scriptedModel/scriptedModel.js";
import { ScriptedModel } from "./scriptedModel/scriptedModel.js";
import type { ServerMessageLike } from "./sequence/describeServerMessage.js";
import { describeServerMessage } from "./sequence/describeServerMessage.js";
import type { TurnFilter } from "./sequence/messagesOfTurn.js";
import { messagesOfTurn } from "./sequence/messagesOfTurn.js";

type Options<T> = T | (() => T);

function resolveOptions<T>(options: Options<T> | undefined): T | undefined {
  return typeof options === "function" ? (options as () => T)() : options;
}

/** A fixture made in `beforeEach`, closed in `afterEach`; the accessor throws outside a test. */
function perTest<T>(
  name: string,
  create: () => T | Promise<T>,
  dispose: (value: T) => Promise<void>,
): () => T {
  let current: { value: T } | undefined;
  beforeEach(async () => {
    current = { value: await create() };
  });
  afterEach(async () => {
    const made = current;
    current = undefined;
    if (made) await dispose(made.value);
  });
  return () => {
    if (current === undefined)
      throw new Error(`${name}(): use the accessor inside a test or a hook that runs after beforeEach`);
    return current.value;
  };
}

/**
 * A fresh in-memory fake for every test of the enclosing `describe` (or file). After each test it is
 * closed, and the test fails if the fake recorded errors (an invalid script or handler result).
 *
 * ```ts
 * const fake = useFakeAppServer({ turns: [[step.message("Hello")]] });
 * it("...", async () => { const client = new CodexClient(fake().transport); ... });
 * ```
 */
export function useFakeAppServer(options?: Options<FakeAppServerOptions>): () => InMemoryFakeAppServer {
  return perTest(
    "useFakeAppServer",
    () => startFakeAppServer(resolveOptions(options)),
    async (fake) => {
      await fake.close();
      assertNoFakeErrors(fake.server);
    },
  );
}

/** Throws, listing them, when the fake recorded errors (an invalid script or handler result, bad input). */
export function assertNoFakeErrors(server: FakeAppServer): void {
  const { errors } = server;
  if (errors.length === 0) return;
  throw new AggregateError(
    errors,
    `the fake app-server recorded ${errors.length} error(s):\n${errors.map((error) => `- ${error.message}`).join("\n")}`,
  );
}

/** A fresh {@link ScriptedModel} for every test, closed after it. */
export function useScriptedModel(options?: Options<ScriptedModelOptions>): () => ScriptedModel {
  return perTest(
    "useScriptedModel",
    () => ScriptedModel.start(resolveOptions(options)),
    (model) => model.close(),
  );
}

/**
 * The real, pinned `codex app-server` against a fresh scripted model for every test; its processes,
 * model and temp dirs are gone after the test.
 */
export function useRealAppServer(
  options: Options<StartRealAppServerOptions & { transport: "websocket" }>,
): () => WebSocketRealAppServer;
export function useRealAppServer(
  options?: Options<StartRealAppServerOptions & { transport?: "stdio" }>,
): () => StdioRealAppServer;
export function useRealAppServer(
  options?: Options<StartRealAppServerOptions>,
): () => StdioRealAppServer | WebSocketRealAppServer {
  return perTest(
    "useRealAppServer",
    () => startRealAppServer(resolveOptions(options)),
    (server) => server.close(),
  );
}

export interface ExpectSequenceOptions extends Partial<TurnFilter> {
  /** `expected` must appear in order, but other messages may come between. Default false: exactly. */
  partial?: boolean;
}

/**
 * Asserts the sequence of server messages (notifications and server requests; responses are
 * skipped), described by `describeServerMessage`: `"turn/started"`, `"item/completed(agentMessage)"`,
 * `"REQ item/commandExecution/requestApproval"`. With `threadId` (and `turnId`), only that thread's
 * (turn's) messages count; `ignore` leaves methods out.
 */
export function expectSequence(
  messages: Iterable<object>,
  expected: readonly string[],
  options: ExpectSequenceOptions = {},
): void {
  let list = [...messages].filter(
    (message): message is ServerMessageLike => typeof (message as { method?: unknown }).method === "string",
  );
  if (options.threadId !== undefined)
    list = messagesOfTurn(list, {
      threadId: options.threadId,
      turnId: options.turnId,
      ignore: options.ignore,
    });
  else if (options.ignore !== undefined) {
    const ignored = new Set(options.ignore);
    list = list.filter((message) => !ignored.has(message.method));
  }
  const actual = list.map(describeServerMessage);
  if (!options.partial) {
    expect(actual).toEqual(expected);
    return;
  }
  let next = 0;
  for (const entry of actual) if (entry === expected[next]) next++;
  if (next < expected.length)
    throw new Error(
      `the sequence lacks ${JSON.stringify(expected[next])} after ${JSON.stringify(expected.slice(0, next))}; got ${JSON.stringify(actual)}`,
    );
}

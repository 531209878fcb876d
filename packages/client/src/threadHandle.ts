import type {
  ReviewStartParams,
  ReviewStartResponse,
  Thread,
  ThreadArchiveResponse,
  ThreadCompactStartResponse,
  ThreadReadResponse,
  ThreadRevertResponse,
  ThreadSetNameResponse,
} from "@codex-app-server/protocol";
import type { ActorRefFrom } from "xstate";
import type { CodexClient } from "./codexClient.js";
import type { ChatContinuation } from "./continuation.js";
import { CodexTurnFailedError } from "./errors.js";
import type { Input } from "./inputs.js";
import type { ThreadMachine } from "./machines/threadMachine.js";
import type { ChatOptions, ThreadDefaults, ThreadForkConfig, TurnOverrides } from "./options.js";
import type { ChatResult, RunResult } from "./results.js";
import type { ConversationStep } from "./steps.js";
import type { TurnHandle, TurnReadOptions } from "./turnHandle.js";

export type ThreadActorRef = ActorRefFrom<ThreadMachine>;

/** A thread, bound to its id: turns, chat, and every thread operation. */
export class ThreadHandle {
  readonly id: string;
  readonly actor: ThreadActorRef;
  /** The thread as the server last described it (from start, resume or fork). */
  info: Thread;
  private readonly client: CodexClient;

  /** @internal Created by the client. */
  constructor(client: CodexClient, actor: ThreadActorRef, info: Thread) {
    this.client = client;
    this.actor = actor;
    this.id = info.id;
    this.info = info;
  }

  /** The thread actor's top-level state: starting, resuming, idle, running, archived, closed. */
  get state(): string {
    const value = this.actor.getSnapshot().value;
    return typeof value === "string" ? value : (Object.keys(value)[0] ?? "");
  }

  /** Starts a turn and returns its handle for fine control (events, steps, text deltas, steer, interrupt). */
  turn(input: Input, overrides?: TurnOverrides): Promise<TurnHandle> {
    return this.client._startTurn(this, input, overrides);
  }

  /** Runs one turn to its end: `{ finalResponse, items, usage }`. Throws `CodexTurnFailedError` if it fails. */
  async run(input: Input, overrides?: TurnOverrides, options?: TurnReadOptions): Promise<RunResult> {
    const turn = await this.turn(input, overrides);
    const result = await turn.result(options);
    if (result.status === "failed") throw new CodexTurnFailedError(this.id, turn.turnId, result.error);
    return { finalResponse: result.finalResponse, items: result.items, usage: result.usage };
  }

  chatOnce(
    input: Input | ChatContinuation,
    options: Omit<ChatOptions, "threadId" | "threadConfig"> = {},
  ): Promise<ChatResult> {
    return this.client.chatOnce(input, { ...options, threadId: this.id });
  }

  chat(
    input: Input | ChatContinuation,
    options: Omit<ChatOptions, "threadId" | "threadConfig"> = {},
  ): AsyncIterableIterator<ConversationStep> {
    return this.client.chat(input, { ...options, threadId: this.id });
  }

  read(options: { includeTurns?: boolean } = {}): Promise<ThreadReadResponse> {
    return this.client.readThread(this.id, options);
  }

  archive(): Promise<ThreadArchiveResponse> {
    return this.client.archiveThread(this.id);
  }

  async unarchive(): Promise<ThreadHandle> {
    return this.client.unarchiveThread(this.id);
  }

  fork(config?: ThreadForkConfig): Promise<ThreadHandle> {
    return this.client.forkThread(this.id, config);
  }

  /** Rolls the thread back to before `beforeTurnId` (`thread/revert`). */
  revert(beforeTurnId: string): Promise<ThreadRevertResponse> {
    return this.client.revertThread(this.id, beforeTurnId);
  }

  compact(): Promise<ThreadCompactStartResponse> {
    return this.client.compactThread(this.id);
  }

  setName(name: string): Promise<ThreadSetNameResponse> {
    return this.client.setThreadName(this.id, name);
  }

  /** Defaults for this thread's later turns (experimental: needs `experimentalApi: true`). */
  updateDefaults(defaults: ThreadDefaults): Promise<Record<string, unknown>> {
    return this.client.updateThreadDefaults(this.id, defaults);
  }

  startReview(
    target: ReviewStartParams["target"],
    delivery?: ReviewStartParams["delivery"],
  ): Promise<ReviewStartResponse> {
    return this.client.startReview({
      threadId: this.id,
      target,
      ...(delivery === undefined ? {} : { delivery }),
    });
  }
}

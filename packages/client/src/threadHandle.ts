import type {
  ReviewStartParams,
  Thread,
  ThreadArchiveResponse,
  ThreadReadResponse,
  ThreadRevertResponse,
  ThreadSetNameResponse,
  ThreadStatus,
  ThreadUnsubscribeResponse,
} from "@codex-app-server/protocol";
import type { ActorRefFrom } from "xstate";
import type { ChatContinuation } from "./continuation.js";
import { isChatContinuation } from "./continuation.js";
import { CodexTurnFailedError, CodexUsageError } from "./errors.js";
import type { Input } from "./inputs.js";
import type { ThreadMachine } from "./machines/threadMachine.js";
import { topState } from "./machines/topState.js";
import type { ChatOptions, ThreadDefaults, ThreadForkConfig, TurnOverrides } from "./options.js";
import type { ChatResult, RunResult } from "./results.js";
import type { ConversationStep } from "./steps.js";
import type { ThreadSettingsSnapshot } from "./threadSettings.js";
import { withDefaults } from "./threadSettings.js";
import type { TurnHandle, TurnReadOptions } from "./turnHandle.js";

export type ThreadActorRef = ActorRefFrom<ThreadMachine>;

/** What a thread handle asks of its client (`CodexClient` implements it). */
export interface ThreadHost {
  _startTurn(thread: ThreadHandle, input: Input, overrides?: TurnOverrides): Promise<TurnHandle>;
  chatOnce(input: Input | ChatContinuation | undefined, options?: ChatOptions): Promise<ChatResult>;
  chat(
    input: Input | ChatContinuation | undefined,
    options?: ChatOptions,
  ): AsyncIterableIterator<ConversationStep>;
  readThread(threadId: string, options?: { includeTurns?: boolean }): Promise<ThreadReadResponse>;
  archiveThread(threadId: string): Promise<ThreadArchiveResponse>;
  unarchiveThread(threadId: string): Promise<ThreadHandle>;
  forkThread(threadId: string, config?: ThreadForkConfig): Promise<ThreadHandle>;
  revertThread(threadId: string, beforeTurnId: string): Promise<ThreadRevertResponse>;
  compactThread(threadId: string): Promise<TurnHandle>;
  setThreadName(threadId: string, name: string): Promise<ThreadSetNameResponse>;
  updateThreadDefaults(threadId: string, defaults: ThreadDefaults): Promise<Record<string, unknown>>;
  startReview(params: ReviewStartParams): Promise<TurnHandle>;
  releaseThread(threadId: string): Promise<ThreadUnsubscribeResponse | null>;
}

/** A thread, bound to its id: turns, chat, and every thread operation. */
export class ThreadHandle {
  readonly id: string;
  private description: Thread;
  private readonly client: ThreadHost;
  private ref: ThreadActorRef;
  private isReleased = false;
  private settings: ThreadSettingsSnapshot = Object.freeze({});
  /** The status of the last `thread/status/changed`, when newer than the description. */
  private reportedStatus: ThreadStatus | null = null;

  /** @internal Created by the client. */
  constructor(client: ThreadHost, actor: ThreadActorRef, info: Thread) {
    this.client = client;
    this.ref = actor;
    this.id = info.id;
    this.description = info;
  }

  /** The thread as the server last described it (from start, resume, fork or unarchive). */
  get info(): Thread {
    return this.description;
  }

  set info(info: Thread) {
    this.description = info;
    this.reportedStatus = null;
  }

  /**
   * The thread's status as the server last reported it (`thread/status/changed`, else the thread's
   * description): `idle`, `active` (with its flags), `notLoaded` or `systemError`. The server's view;
   * {@link state} is the client's.
   */
  get serverStatus(): ThreadStatus {
    return this.reportedStatus ?? this.description.status;
  }

  /** @internal The server reported a new status. */
  _statusReported(status: ThreadStatus): void {
    this.reportedStatus = status;
  }

  /**
   * The thread's current settings (model, cwd, approvalPolicy, sandboxPolicy, effort...), the Python
   * SDK's `defaults`: as the server reported them when the thread was started, resumed or forked (or
   * in `thread/settings/updated`, sent to `experimentalApi` clients), with what `updateDefaults` and
   * turn overrides changed since. A field is absent when the client does not know it.
   */
  get defaults(): ThreadSettingsSnapshot {
    return this.settings;
  }

  /** @internal The server reported the thread's settings (a whole snapshot). */
  _settingsReported(settings: ThreadSettingsSnapshot): void {
    this.settings = Object.isFrozen(settings) ? settings : Object.freeze({ ...settings });
  }

  /** @internal This client changed some of the thread's settings (an update, a turn's overrides). */
  _defaultsChanged(update: ThreadDefaults): void {
    this.settings = withDefaults(this.settings, update);
  }

  /** The thread's actor (a new one after a released thread was brought back). */
  get actor(): ThreadActorRef {
    return this.ref;
  }

  /** The thread actor's top-level state: starting, resuming, idle, running, archived, closed, released. */
  get state(): string {
    return topState(this.ref.getSnapshot().value);
  }

  /**
   * True once the client let the thread go (`release()`, or automatically as one of the least recently
   * used idle threads beyond `maxIdleThreads`). The next turn resumes it (`thread/resume`) first.
   */
  get released(): boolean {
    return this.isReleased;
  }

  /**
   * Lets the thread go: `thread/unsubscribe` on the server, and its actor stops. Only an idle (or
   * archived) thread can be released. The handle stays usable: its next turn resumes the thread.
   */
  release(): Promise<ThreadUnsubscribeResponse | null> {
    return this.client.releaseThread(this.id);
  }

  /** @internal The client released this thread. */
  _released(): void {
    this.isReleased = true;
  }

  /** @internal The thread was resumed after a release: a new actor. */
  _reattach(actor: ThreadActorRef, info: Thread): void {
    this.ref = actor;
    this.info = info;
    this.isReleased = false;
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

  /** `client.chatOnce` on this thread; a continuation (as input or `options.continuation`) must be one of its turns. */
  chatOnce(
    input: Input | ChatContinuation | undefined,
    options: Omit<ChatOptions, "threadId" | "threadConfig"> = {},
  ): Promise<ChatResult> {
    try {
      return this.client.chatOnce(input, this.chatOptions(input, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `client.chat` on this thread; a continuation (as input or `options.continuation`) must be one of its turns. */
  async *chat(
    input: Input | ChatContinuation | undefined,
    options: Omit<ChatOptions, "threadId" | "threadConfig"> = {},
  ): AsyncGenerator<ConversationStep, void, undefined> {
    yield* this.client.chat(input, this.chatOptions(input, options));
  }

  /** A new turn runs on this thread; a continuation resumes its own turn, which must be this thread's. */
  private chatOptions(input: Input | ChatContinuation | undefined, options: ChatOptions): ChatOptions {
    const continuation = isChatContinuation(input) ? input : options.continuation;
    if (continuation === undefined) return { ...options, threadId: this.id };
    if (continuation.threadId !== this.id) {
      throw new CodexUsageError(
        `the continuation is for a turn of thread ${continuation.threadId}, not of this thread (${this.id})`,
      );
    }
    return options;
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

  /**
   * Compacts the thread's history. A compaction is a turn: this resolves with its handle once the
   * server started it; `await (await thread.compact()).result()` waits for its end. The thread's next
   * turn waits for it.
   */
  compact(): Promise<TurnHandle> {
    return this.client.compactThread(this.id);
  }

  setName(name: string): Promise<ThreadSetNameResponse> {
    return this.client.setThreadName(this.id, name);
  }

  /** Defaults for this thread's later turns, also kept in `defaults` (experimental: needs `experimentalApi: true`). */
  updateDefaults(defaults: ThreadDefaults): Promise<Record<string, unknown>> {
    return this.client.updateThreadDefaults(this.id, defaults);
  }

  /**
   * Starts a review of the thread's work (`review/start`, inline). A review is a turn: this resolves
   * with its handle; its result's `finalResponse` is the review. The thread's next turn waits for it.
   */
  startReview(
    target: ReviewStartParams["target"],
    delivery?: ReviewStartParams["delivery"],
  ): Promise<TurnHandle> {
    return this.client.startReview({
      threadId: this.id,
      target,
      ...(delivery === undefined ? {} : { delivery }),
    });
  }
}

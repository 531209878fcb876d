import type { RequestId, Turn } from "@codex-app-server/protocol";
import { routeOf } from "@codex-app-server/protocol";
import type { AnyActorRef } from "xstate";
import { AsyncQueue } from "./asyncQueue.js";
import { CodexInvalidStateError, CodexUsageError } from "./errors.js";
import type { RequestMachineInput, RequestStateName } from "./machines/requestMachine.js";
import type { ServerRequest, ServerRequestHandler, ServerRequestMethod } from "./serverRequests.js";
import { createServerRequest, SERVER_REQUEST_KINDS, safeAnswer } from "./serverRequests.js";

/** How a server request ended: the answer sent, and why when it was the safe one. */
export interface ServerRequestOutcome {
  state: Exclude<RequestStateName, "pending">;
  answer: unknown;
  reason: string | null;
}

/** A server request seen by an `approvalRequests()` watcher: the handler (or the safe default) answers it. */
export type ObservedServerRequest = ServerRequest & {
  /** Settles with what was sent once the request is answered, defaulted or withdrawn. */
  readonly outcome: Promise<ServerRequestOutcome>;
};

/** A server request handed to an `approvalRequests({ manual: true })` reader: answer it with `respond`. */
export type PendingServerRequest = ServerRequest & {
  /**
   * Answers the request (the request's helpers build typed answers). A second answer, or one after the
   * server withdrew the request, throws `CodexInvalidStateError`. Unanswered when the reader stops, it
   * gets the safe default.
   */
  respond(answer: unknown): void;
};

export interface ApprovalStreamOptions {
  signal?: AbortSignal;
  /**
   * `false` (default): watch only; the `onServerRequest` handler, or the safe default, answers. `true`:
   * this reader answers, ahead of the handler; what it leaves unanswered when it stops gets the safe
   * default.
   */
  manual?: boolean;
}

/** Where request actors live, and who hears about problems. */
export interface BrokerHost {
  /**
   * The actor of a running turn, which spawns the request as its child; a promise of it while the
   * turn's `turn/start` is in flight on `threadId`.
   */
  turnActor(
    turnId: string,
    threadId: string | null,
  ): AnyActorRef | undefined | Promise<AnyActorRef | undefined>;
  /** The client's root actor, for requests that belong to no running turn. */
  rootActor(): AnyActorRef;
  onError(error: Error): void;
  /** The error the client closed with, if it did. */
  closedError(): Error | undefined;
}

interface ManualReader {
  queue: AsyncQueue<PendingServerRequest>;
  /** Requests this reader received and nobody answered yet: they get the safe answer when it stops. */
  unanswered: Set<(answer: unknown) => void>;
}

interface OpenRequest {
  actor: AnyActorRef | undefined;
  outcome: Promise<ServerRequestOutcome>;
  /** Method and params: how a request the server asks again after a reconnection is recognised. */
  resendKey: string;
  /** The turn and the item the request is about, when it names them. */
  turnId: string | null;
  itemId: string | null;
}

/**
 * Answers the server's requests (approvals, questions, elicitations). Each request is an actor
 * (`requestMachine`) under its turn; the broker only feeds it: it provides the `decide` step (a manual
 * reader, else the handler, else nobody) and waits for the actor's output, the answer to send.
 */
export class ServerRequestBroker {
  handler: ServerRequestHandler | undefined;
  private readonly host: BrokerHost;
  private readonly watchers = new Set<AsyncQueue<ObservedServerRequest>>();
  private readonly manualReaders = new Set<ManualReader>();
  private readonly open = new Map<string, OpenRequest>();
  /**
   * Requests of a connection that dropped, by method and params: the server asks them again on the new
   * connection (with ids of that connection), and each gets the one answer its actor decides.
   */
  private readonly orphans = new Map<string, OpenRequest>();

  constructor(host: BrokerHost, handler: ServerRequestHandler | undefined) {
    this.host = host;
    this.handler = handler;
  }

  /** The peer's request handler for every server request method. */
  async handle(
    method: ServerRequestMethod,
    params: unknown,
    context: { id: RequestId; signal: AbortSignal },
  ) {
    const key = String(context.id);
    const resendKey = `${method}\n${JSON.stringify(params)}`;
    const orphan = this.orphans.get(resendKey);
    if (orphan !== undefined) return this.answerAgain(key, resendKey, orphan);
    const route = routeOf(method, params);
    const input: RequestMachineInput = {
      id: context.id,
      method,
      params,
      threadId: route.threadId ?? null,
      turnId: route.turnId ?? null,
    };
    let turnActor =
      route.turnId === undefined ? undefined : this.host.turnActor(route.turnId, input.threadId);
    if (turnActor instanceof Promise) {
      turnActor = await turnActor;
      if (context.signal.aborted) return safeAnswer(SERVER_REQUEST_KINDS[method], params);
    }
    const parent = turnActor ?? this.host.rootActor();
    // Registered before the actor exists: spawning it starts `decide`, which hands watchers the outcome.
    let settle!: (outcome: ServerRequestOutcome) => void;
    const outcome = new Promise<ServerRequestOutcome>((resolve) => {
      settle = resolve;
    });
    const itemId = (params as { itemId?: unknown } | null)?.itemId;
    const open: OpenRequest = {
      actor: undefined,
      outcome,
      resendKey,
      turnId: input.turnId,
      itemId: typeof itemId === "string" ? itemId : null,
    };
    this.open.set(key, open);
    parent.send({ type: "request.opened", request: input });
    const actor = parent.getSnapshot().children[`request:${key}`] as AnyActorRef | undefined;
    if (actor === undefined) {
      this.open.delete(key);
      return safeAnswer(SERVER_REQUEST_KINDS[method], params);
    }
    open.actor = actor;
    outcomeOf(actor, input).then(settle);
    const onPeerAbort = () => actor.send({ type: "withdraw", reason: "the connection closed" });
    context.signal.addEventListener("abort", onPeerAbort, { once: true });
    try {
      const { state, answer, reason } = await outcome;
      if (state === "defaulted" && reason === "the answer is not one the request offers") {
        this.host.onError(
          new CodexUsageError(
            `the answer to ${method} is not one the server offered; the safe default was sent instead`,
          ),
        );
      }
      return answer;
    } finally {
      context.signal.removeEventListener("abort", onPeerAbort);
      // An orphan stays until the server asks again (or does not, after the resume): one answer each.
      if (this.open.get(key) === open) this.open.delete(key);
    }
  }

  /** The connection dropped: what the server asked on it waits to be asked again on the next one. */
  connectionLost(): void {
    for (const open of this.open.values()) this.orphans.set(open.resendKey, open);
    this.open.clear();
  }

  /**
   * Reconnected and resumed (`turns`: the turns of the resumed threads, by id). What the server can no
   * longer be waiting for is withdrawn: a request of no turn, of a turn the server no longer runs, or
   * about an item the resumed turn lists as completed. The others wait to be asked again, which the
   * server may do after its answer to `thread/resume` (or withdrawn once their item completes, or stopped
   * with their turn).
   */
  withdrawUnclaimed(turns: ReadonlyMap<string, Turn>): void {
    this.withdrawOrphans("the server did not ask again after the reconnection", (open) => {
      const turn = open.turnId === null ? undefined : turns.get(open.turnId);
      return (
        turn === undefined ||
        turn.status !== "inProgress" ||
        (open.itemId !== null && turn.items.some((item) => item.id === open.itemId))
      );
    });
  }

  /** True while requests of a dropped connection wait to be asked again. */
  get hasOrphans(): boolean {
    return this.orphans.size > 0;
  }

  /** An item completed: a request about it that waits to be asked again never will be. */
  itemCompleted(itemId: string): void {
    this.withdrawOrphans(
      "its item completed without the server asking again",
      (open) => open.itemId === itemId,
    );
  }

  private withdrawOrphans(reason: string, settled: (open: OpenRequest) => boolean): void {
    for (const [resendKey, open] of this.orphans) {
      if (!settled(open)) continue;
      this.orphans.delete(resendKey);
      open.actor?.send({ type: "withdraw", reason });
    }
  }

  /** A request asked again after a reconnection: the same actor, the same (single) answer. */
  private async answerAgain(key: string, resendKey: string, orphan: OpenRequest): Promise<unknown> {
    this.orphans.delete(resendKey);
    this.open.set(key, orphan);
    try {
      return (await orphan.outcome).answer;
    } finally {
      if (this.open.get(key) === orphan) this.open.delete(key);
    }
  }

  /** `serverRequest/resolved`: the server no longer waits for this answer. */
  withdraw(requestId: string): void {
    this.open.get(requestId)?.actor?.send({ type: "withdraw", reason: "the server withdrew the request" });
  }

  /** The request actor's `decide` step. */
  readonly decide = async (input: RequestMachineInput, signal: AbortSignal): Promise<unknown> => {
    const route = {
      ...(input.threadId === null ? {} : { threadId: input.threadId }),
      ...(input.turnId === null ? {} : { turnId: input.turnId }),
    };
    const request = createServerRequest(input.method, input.id, input.params, route, signal);
    if (this.watchers.size > 0) {
      const outcome = this.open.get(String(input.id))?.outcome ?? outcomeUnknown(request);
      const observed = Object.assign(Object.create(null), request, { outcome }) as ObservedServerRequest;
      for (const watcher of this.watchers) watcher.push(observed);
    }
    if (this.manualReaders.size > 0) return this.askReaders(request, signal);
    const handler = this.handler;
    if (!handler) return undefined;
    try {
      return await raceAbort(
        Promise.resolve().then(() => handler(request)),
        signal,
      );
    } catch (error) {
      this.host.onError(error as Error);
      throw error;
    }
  };

  /** Server requests from now on, watched (default) or answered (`manual: true`). */
  stream(
    options: ApprovalStreamOptions = {},
  ): AsyncIterableIterator<ObservedServerRequest | PendingServerRequest> {
    if (options.manual) {
      const reader: ManualReader = { queue: new AsyncQueue(), unanswered: new Set() };
      this.manualReaders.add(reader);
      return reader.queue.iterate({
        signal: options.signal,
        closedError: this.host.closedError,
        onDone: () => {
          this.manualReaders.delete(reader);
          for (const settle of [...reader.unanswered]) settle(undefined);
        },
      });
    }
    const queue = new AsyncQueue<ObservedServerRequest>();
    this.watchers.add(queue);
    return queue.iterate({
      signal: options.signal,
      closedError: this.host.closedError,
      onDone: () => this.watchers.delete(queue),
    });
  }

  /** The client closed: every stream ends (with `error` when the connection failed). */
  end(error: Error | undefined): void {
    for (const watcher of this.watchers) watcher.end(error);
    for (const reader of this.manualReaders) reader.queue.end(error);
  }

  private askReaders(request: ServerRequest, signal: AbortSignal): Promise<unknown> {
    return new Promise<unknown>((resolve) => {
      let settled = false;
      const readers = [...this.manualReaders];
      const settle = (answer: unknown) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onWithdrawn);
        for (const reader of readers) reader.unanswered.delete(settle);
        resolve(answer);
      };
      const onWithdrawn = () => settle(undefined);
      const respond = (answer: unknown) => {
        if (settled) {
          throw new CodexInvalidStateError(
            `request:${String(request.id)}`,
            signal.aborted ? "withdrawn" : "answered",
            "respond",
            "a request takes one answer",
          );
        }
        settle(answer);
      };
      const pending = Object.assign(Object.create(null), request, { respond }) as PendingServerRequest;
      signal.addEventListener("abort", onWithdrawn, { once: true });
      for (const reader of readers) {
        reader.unanswered.add(settle);
        reader.queue.push(pending);
      }
    });
  }
}

/** Waits for a request actor's end; one that was stopped with its turn counts as withdrawn. */
function outcomeOf(actor: AnyActorRef, input: RequestMachineInput): Promise<ServerRequestOutcome> {
  return new Promise((resolve) => {
    const settle = () => {
      subscription.unsubscribe();
      const snapshot = actor.getSnapshot() as {
        status: string;
        value: unknown;
        output?: unknown;
        context: { reason: string | null };
      };
      if (snapshot.status === "done") {
        resolve({
          state: snapshot.value as ServerRequestOutcome["state"],
          answer: snapshot.output,
          reason: snapshot.context.reason,
        });
      } else {
        resolve({
          state: "withdrawn",
          answer: safeAnswer(SERVER_REQUEST_KINDS[input.method], input.params),
          reason: "the turn ended",
        });
      }
    };
    const subscription = actor.subscribe({ complete: settle, error: settle });
    if (actor.getSnapshot().status !== "active") settle();
  });
}

function outcomeUnknown(request: ServerRequest): Promise<ServerRequestOutcome> {
  return Promise.resolve({ state: "withdrawn", answer: request.safeDefault(), reason: "unknown request" });
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

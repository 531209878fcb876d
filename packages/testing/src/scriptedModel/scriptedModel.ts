import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { ScriptedModelError } from "./errors.js";
import type { ResponsesRequestBody } from "./recordedRequest.js";
import { RecordedRequest } from "./recordedRequest.js";
import type { HttpErrorReply, ScriptedReply, StreamReply } from "./replies.js";
import { reply } from "./replies.js";
import { formatSseEvent, renderStream } from "./responsesEvents.js";

/** What to answer when the queue is empty: a reply, or a function of the request. */
export type FallbackReply = ScriptedReply | ((request: RecordedRequest) => ScriptedReply);

/**
 * Which requests a routed reply is for: a string equals the request's latest user text (the turn's
 * prompt, or the latest steer), a RegExp tests it, a function decides.
 */
export type RequestMatch = string | RegExp | ((request: RecordedRequest) => boolean);

interface Route {
  match: RequestMatch;
  replies: ScriptedReply[];
}

/** True when `request` is one that `match` describes. */
export function matchesRequest(match: RequestMatch, request: RecordedRequest): boolean {
  if (typeof match === "function") return match(request);
  const text = request.lastUserText;
  if (text === undefined) return false;
  return typeof match === "string" ? text === match : match.test(text);
}

export interface ScriptedModelOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default: `reply.message("ok")`. */
  fallback?: FallbackReply;
}

export interface WaitForRequestsOptions {
  signal?: AbortSignal;
  /** Reject with `scripted_model_timeout` after this many milliseconds. */
  timeoutMs?: number;
}

/** A request that was not a POST to `.../responses` (answered 404). */
export interface UnmatchedRequest {
  method: string;
  path: string;
}

/** Someone waiting for the recorded requests to satisfy `check` (which returns what to resolve with). */
interface RequestWaiter {
  check: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  /** Why it can no longer be satisfied, once the model closed. */
  closedMessage: () => string;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;
const SUPPORTED_ENCODINGS = new Set(["identity", "gzip", "deflate", "br"]);

/**
 * A loopback stand-in for the OpenAI Responses API (`POST {baseUrl}/responses`, answered as
 * `text/event-stream`). Replies are served one per request, first in first out; when the queue
 * is empty the fallback answers. Every request body is recorded.
 *
 * ```ts
 * await using model = await ScriptedModel.start();
 * model.enqueue(reply.message("Hello there", { chunks: 3 }));
 * ```
 */
export class ScriptedModel implements AsyncDisposable {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #streams = new Set<AbortController>();
  readonly #queue: ScriptedReply[] = [];
  readonly #routes: Route[] = [];
  readonly #requests: RecordedRequest[] = [];
  readonly #unmatched: UnmatchedRequest[] = [];
  readonly #waiters = new Set<RequestWaiter>();
  readonly #idleWaiters = new Set<() => void>();
  #fallback: FallbackReply;
  #ids = 0;
  #closing: Promise<void> | undefined;
  readonly #baseUrl: string;

  private constructor(server: Server, baseUrl: string, fallback: FallbackReply) {
    this.#server = server;
    this.#baseUrl = baseUrl;
    this.#fallback = fallback;
    server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
    });
    server.on("request", (request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        response.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  static async start(options: ScriptedModelOptions = {}): Promise<ScriptedModel> {
    const host = options.host ?? "127.0.0.1";
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        reject(
          new ScriptedModelError(
            "scripted_model_start_failed",
            `could not listen on ${host}: ${error.message}`,
            {
              cause: error,
            },
          ),
        );
      };
      server.once("error", onError);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", onError);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    return new ScriptedModel(server, `${origin}/v1`, options.fallback ?? reply.message("ok"));
  }

  /** `http://127.0.0.1:PORT/v1`: the `base_url` of a model provider. */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  /** Every request to `/responses`, in arrival order. */
  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }

  /** Requests for anything else (answered 404). */
  get unmatchedRequests(): readonly UnmatchedRequest[] {
    return this.#unmatched;
  }

  /** Replies enqueued and not yet served. */
  get pendingReplies(): number {
    return this.#queue.length;
  }

  /** Streams being served right now (a hanging reply stays here until the client leaves or the model closes). */
  get openStreams(): number {
    return this.#streams.size;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Adds replies to the queue; each request consumes one. */
  enqueue(...replies: ScriptedReply[]): this {
    checkReplies(replies);
    this.#queue.push(...replies);
    return this;
  }

  /**
   * Replies for the requests that `match` describes, served in order, before the queue. Tests that
   * share a model script their own turns this way (a prompt of their own), so a reply one test did
   * not use can never answer another test's turn.
   *
   * ```ts
   * model.when("make a marker", reply.execCommand({ cmd: "touch m" }), reply.message("Done."));
   * ```
   */
  when(match: RequestMatch, ...replies: ScriptedReply[]): this {
    checkReplies(replies);
    this.#routes.push({ match, replies: [...replies] });
    return this;
  }

  /** Forgets queued and routed replies and restores the default fallback; recorded requests stay. */
  reset(): this {
    this.#queue.length = 0;
    this.#routes.length = 0;
    this.#fallback = reply.message("ok");
    return this;
  }

  /**
   * Resolves with the first request (already recorded, or still to come) that `match` describes:
   * "the model has been asked for this turn", an event a test can wait for instead of a clock.
   */
  waitForRequest(match: RequestMatch, options: WaitForRequestsOptions = {}): Promise<RecordedRequest> {
    return this.#waitFor(
      () => this.#requests.find((request) => matchesRequest(match, request)),
      options,
      () => "the scripted model closed before a matching request came",
      (ms) => `waited ${ms} ms for a matching request`,
    );
  }

  /** The answer when the queue is empty. */
  setFallback(fallback: FallbackReply): this {
    this.#fallback = fallback;
    return this;
  }

  /** Resolves with the recorded requests once at least `count` have arrived. */
  waitForRequests(count: number, options: WaitForRequestsOptions = {}): Promise<readonly RecordedRequest[]> {
    return this.#waitFor(
      () => (this.#requests.length >= count ? this.#requests : undefined),
      options,
      () => `the scripted model closed after ${this.#requests.length} of ${count} requests`,
      (ms) => `waited ${ms} ms for ${count} requests; ${this.#requests.length} arrived`,
    );
  }

  /** Resolves with what `check` returns once it returns something: now, or as requests arrive. */
  #waitFor<T>(
    check: () => T | undefined,
    options: WaitForRequestsOptions,
    closedMessage: () => string,
    timeoutMessage: (ms: number) => string,
  ): Promise<T> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    if (this.closed) return Promise.reject(new ScriptedModelError("scripted_model_closed", closedMessage()));
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => waiter.reject(signal?.reason);
      const cleanup = () => {
        this.#waiters.delete(waiter);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const waiter: RequestWaiter = {
        check,
        closedMessage,
        resolve: (value) => {
          cleanup();
          resolve(value as T);
        },
        reject: (reason) => {
          cleanup();
          reject(reason);
        },
      };
      this.#waiters.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () => waiter.reject(new ScriptedModelError("scripted_model_timeout", timeoutMessage(timeoutMs))),
          timeoutMs,
        );
      }
    });
  }

  /**
   * Resolves when no stream is being served (e.g. after the app-server dropped a hanging stream on
   * `turn/interrupt`). Rejects like {@link waitForRequests} on abort or timeout; resolves on close.
   */
  waitForIdle(options: WaitForRequestsOptions = {}): Promise<void> {
    if (this.#streams.size === 0) return Promise.resolve();
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        this.#idleWaiters.delete(onIdle);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const onIdle = () => {
        cleanup();
        resolve();
      };
      const onAbort = () => {
        cleanup();
        reject(signal?.reason);
      };
      this.#idleWaiters.add(onIdle);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          cleanup();
          reject(
            new ScriptedModelError(
              "scripted_model_timeout",
              `waited ${timeoutMs} ms for ${this.#streams.size} open streams to end`,
            ),
          );
        }, timeoutMs);
      }
    });
  }

  /** Stops listening and destroys every open connection, hanging streams included. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      for (const stream of this.#streams) stream.abort();
      for (const waiter of this.#waiters) {
        waiter.reject(new ScriptedModelError("scripted_model_closed", waiter.closedMessage()));
      }
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
    });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #nextId = (prefix: string): string => `${prefix}_${++this.#ids}`;

  /** The next reply of the first route that matches and has one left. */
  #routed(request: RecordedRequest): ScriptedReply | undefined {
    for (const route of this.#routes) {
      if (route.replies.length > 0 && matchesRequest(route.match, request)) return route.replies.shift();
    }
    return undefined;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.on("error", () => {});
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const method = request.method ?? "GET";
    const encoding = (request.headers["content-encoding"] ?? "identity").toLowerCase();
    if (!SUPPORTED_ENCODINGS.has(encoding)) {
      this.#unmatched.push({ method, path });
      request.resume();
      sendJson(response, 415, {
        error: { message: `the scripted model cannot decode content-encoding ${encoding}` },
      });
      return;
    }
    const raw = await readBody(request, encoding);
    if (method !== "POST" || !path.endsWith("/responses")) {
      this.#unmatched.push({ method, path });
      sendJson(response, 404, {
        error: { message: `the scripted model only serves POST /responses, not ${method} ${path}` },
      });
      return;
    }
    let body: ResponsesRequestBody;
    try {
      const parsed: unknown = JSON.parse(raw.toString("utf8"));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new Error("not an object");
      body = parsed as ResponsesRequestBody;
    } catch (error) {
      sendJson(response, 400, { error: { message: `request body is not a JSON object: ${String(error)}` } });
      return;
    }
    const recorded = new RecordedRequest({
      index: this.#requests.length,
      method,
      path,
      headers: request.headers,
      body,
    });
    let answer: ScriptedReply;
    try {
      answer =
        this.#routed(recorded) ??
        this.#queue.shift() ??
        (typeof this.#fallback === "function" ? this.#fallback(recorded) : this.#fallback);
    } catch (error) {
      answer = reply.fail({ body: { error: { message: `fallback threw: ${String(error)}` } } });
    }
    this.#requests.push(recorded);
    for (const waiter of [...this.#waiters]) {
      const value = waiter.check();
      if (value !== undefined) waiter.resolve(value);
    }
    if (answer.kind === "httpError") {
      sendHttpError(response, answer);
      return;
    }
    await this.#serveStream(response, answer);
  }

  async #serveStream(response: ServerResponse, answer: StreamReply): Promise<void> {
    const controller = new AbortController();
    const { signal } = controller;
    this.#streams.add(controller);
    response.once("close", () => controller.abort());
    try {
      const actions = renderStream(answer, this.#nextId);
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      response.flushHeaders();
      for (const action of actions) {
        if (signal.aborted) return;
        if (action.kind === "send") {
          if (answer.eventDelayMs > 0) await abortable(delay(answer.eventDelayMs, signal), signal);
          if (signal.aborted) return;
          response.write(formatSseEvent(action.event));
        } else if (action.kind === "gate") {
          await abortable(action.gate.arrive(), signal);
        } else {
          await abortable(delay(action.ms, signal), signal);
        }
      }
      if (signal.aborted) return;
      if (answer.ending.kind === "hang") {
        await abortable(new Promise<never>(() => {}), signal);
        return;
      }
      response.end();
    } finally {
      this.#streams.delete(controller);
      if (signal.aborted && !response.writableEnded) response.destroy();
      if (this.#streams.size === 0) for (const onIdle of this.#idleWaiters) onIdle();
    }
  }
}

function checkReplies(replies: readonly ScriptedReply[]): void {
  for (const item of replies) {
    if (item?.kind !== "stream" && item?.kind !== "httpError") {
      throw new ScriptedModelError("scripted_model_invalid_reply", "expected replies built with `reply.*`");
    }
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Settles when the promise does or when the signal aborts, whichever comes first; never rejects. */
function abortable(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    promise.then(done, done);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

function sendHttpError(response: ServerResponse, answer: HttpErrorReply): void {
  response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
  response.end(answer.body);
}

async function readBody(request: IncomingMessage, encoding: string): Promise<Buffer> {
  let source: NodeJS.ReadableStream = request;
  if (encoding === "gzip") source = request.pipe(createGunzip());
  else if (encoding === "deflate") source = request.pipe(createInflate());
  else if (encoding === "br") source = request.pipe(createBrotliDecompress());
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

import type {
  ConfigBatchWriteParams,
  ConfigEdit,
  ConfigValueWriteParams,
  MergeStrategy,
  ThreadForkParams,
  ThreadResumeParams,
  ThreadStartParams,
  TurnStartParams,
  ValidationMode,
} from "@codex-app-server/protocol";
import type { InspectionEvent, Observer } from "xstate";
import type { ChatContinuation } from "./continuation.js";
import type { ReconnectOptions } from "./reconnect.js";
import type { ServerRequest, ServerRequestHandler } from "./serverRequests.js";

/** Thread settings for `thread/start` (and, minus start-only fields, `thread/resume`). Unset fields are omitted; `null` is sent as null. */
export type ThreadConfig = ThreadStartParams;
export type ThreadResumeConfig = Omit<ThreadResumeParams, "threadId">;
export type ThreadForkConfig = Omit<ThreadForkParams, "threadId">;
/**
 * New defaults for a thread's later turns (`thread/settings/update`, an experimental method of
 * codex-cli 0.169.0: the client must be created with `experimentalApi: true`).
 */
export type ThreadDefaults = Pick<
  TurnStartParams,
  | "approvalPolicy"
  | "approvalsReviewer"
  | "cwd"
  | "effort"
  | "model"
  | "summary"
  | "sandboxPolicy"
  | "personality"
  | "serviceTier"
  | "disabledPluginIds"
>;

/** `config/value/write` params; `mergeStrategy` defaults to `"upsert"`. */
export type ConfigValueWrite = Omit<ConfigValueWriteParams, "mergeStrategy"> & {
  mergeStrategy?: MergeStrategy;
};
/** `config/batchWrite` params; each edit's `mergeStrategy` defaults to `"upsert"`. */
export type ConfigBatchWrite = Omit<ConfigBatchWriteParams, "edits"> & {
  edits: Array<Omit<ConfigEdit, "mergeStrategy"> & { mergeStrategy?: MergeStrategy }>;
};

/** Per-turn overrides for `turn/start`. Unset fields are omitted; `null` is sent as null. */
export type TurnOverrides = Omit<TurnStartParams, "threadId" | "input">;

export interface ClientInfoOption {
  name: string;
  title?: string | null;
  version: string;
}

export interface CodexClientOptions {
  /** Default timeout of each request; `null` waits for ever. Default 30 s. */
  requestTimeoutMs?: number | null;
  /** A turn that sends nothing for this long goes `inactive`; `null` waits for ever. Default 180 s. */
  inactivityTimeoutMs?: number | null;
  /** How incoming messages are checked against the protocol's schemas. Default `lenient`. */
  validation?: ValidationMode;
  /** Sent in `initialize`. */
  clientInfo?: ClientInfoOption;
  /** Opt into experimental methods and fields (`capabilities.experimentalApi`). */
  experimentalApi?: boolean;
  /** Notification methods the server should not send at all (`capabilities.optOutNotificationMethods`). */
  optOutNotificationMethods?: string[];
  /**
   * Decides approvals and other server questions. Without one, every request gets the safe answer
   * (decline, cancel, an empty grant) unless an `approvalRequests({ manual: true })` reader answers.
   * Replace it later with `client.setServerRequestHandler()`.
   */
  onServerRequest?: ServerRequestHandler;
  /**
   * Protocol problems: validation failures (in strict mode the message was dropped, and a turn it
   * belongs to has failed with the error), invalid lines, stray responses... Without it, each distinct
   * one is printed on stderr once (and warnings too, unless `onWarning` is set).
   */
  onError?: (error: Error) => void;
  /**
   * Warnings that stop nothing: a server version outside the supported range
   * (`CodexServerVersionWarning`). Default: `onError`, else stderr once.
   */
  onWarning?: (warning: Error) => void;
  /** Attach an XState inspector (e.g. the Stately inspector's `inspect`) to the client's whole actor tree. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** At most this many notifications are buffered per thread while its `turn/start` is in flight. Default 10,000. */
  maxEarlyNotifications?: number;
  /**
   * Idle threads kept open; beyond it the least recently used are released (`thread/unsubscribe`, the
   * actor stops; the handle resumes the thread on its next turn). Default 1,000.
   */
  maxIdleThreads?: number;
  /**
   * Events of a turn kept for a reader that has not read them yet. Past it the turn's deltas are dropped
   * (and counted in `droppedDeltas`, reported once through `onError`); items, steps and the result are
   * kept whole. Default 100,000.
   */
  maxUnreadEvents?: number;
  /**
   * A websocket or unix-socket client whose connection drops (not one you close) reconnects with backoff:
   * the client actor goes `reconnecting`, running turns `detached`; once back it initializes again,
   * resumes its threads (`thread/resume`) and the turns go on where they were. `false` turns it off (the
   * turns then fail, as on any close). Default: on (see `ReconnectOptions`); transports that cannot
   * reconnect (stdio, in-memory) ignore it.
   */
  reconnect?: ReconnectOptions | boolean;
  /** @internal Randomness of the reconnect jitter (tests). Default `Math.random`. */
  random?: () => number;
}

/** Every key of {@link CodexClientOptions}; the compiler fails when one is added there and not here. */
const CLIENT_OPTION_KEYS = {
  requestTimeoutMs: true,
  inactivityTimeoutMs: true,
  validation: true,
  clientInfo: true,
  experimentalApi: true,
  optOutNotificationMethods: true,
  onServerRequest: true,
  onError: true,
  inspect: true,
  maxEarlyNotifications: true,
  maxIdleThreads: true,
  maxUnreadEvents: true,
  onWarning: true,
  reconnect: true,
  random: true,
} satisfies Record<keyof CodexClientOptions, true>;

/**
 * The client's own options out of an object that may also carry a transport's (`connectWebSocket`
 * takes both in one): the client keeps only these, never a token, headers or an `env` with keys.
 */
export function clientOptionsOf(options: CodexClientOptions): CodexClientOptions {
  const own: Record<string, unknown> = {};
  for (const key of Object.keys(CLIENT_OPTION_KEYS) as Array<keyof CodexClientOptions>) {
    if (options[key] !== undefined) own[key] = options[key];
  }
  return own as CodexClientOptions;
}

/** Options of `chat` and `chatOnce`. */
export interface ChatOptions {
  /**
   * Resume the running turn of a `CodexTurnInactiveError` (the Python SDKs' `continuation=`): call
   * `chatOnce(undefined, { continuation })`, the same as passing the continuation as the input.
   */
  continuation?: ChatContinuation;
  /** Continue this thread instead of starting one (it is resumed first when this client has not seen it). */
  threadId?: string;
  threadConfig?: ThreadConfig;
  turnOverrides?: TurnOverrides;
  /** Override the client's inactivity timeout for this call; `null` waits for ever. */
  inactivityTimeoutMs?: number | null;
  /** Keep the raw notifications in the result (`rawEvents`). Off by default: nothing keeps every event unless asked. */
  includeRawEvents?: boolean;
  signal?: AbortSignal;
}

export type { ChatContinuation, ServerRequest };

import { ScriptedModelError } from "./errors.js";
import type { ReplyGate } from "./gate.js";

/** One Server-Sent Event of the Responses API stream: `type` is also the SSE `event:` name. */
export interface ResponsesStreamEvent {
  type: string;
  [field: string]: unknown;
}

/** Token counts reported in `response.completed` (the app-server turns them into `thread/tokenUsage/updated`). */
export interface ScriptedUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  reasoningOutputTokens?: number;
}

/** How a text is streamed: a number of near-equal deltas, or the deltas themselves. */
export type Chunking = number | readonly string[];

/** Holds a streamed text after its `afterChunk`-th delta (1-based) until the gate is released. */
export interface ChunkGate {
  readonly afterChunk: number;
  readonly gate: ReplyGate;
}

export type ScriptedOutput =
  | {
      readonly type: "message";
      readonly text: string;
      readonly chunks: Chunking;
      readonly id?: string;
      readonly gates?: readonly ChunkGate[];
    }
  | {
      readonly type: "reasoning";
      readonly text: string;
      readonly chunks: Chunking;
      readonly id?: string;
      readonly gates?: readonly ChunkGate[];
    }
  | {
      readonly type: "functionCall";
      readonly name: string;
      readonly arguments: string;
      readonly callId?: string;
      readonly id?: string;
    };

export type ReplyStep =
  | { readonly kind: "output"; readonly output: ScriptedOutput }
  | { readonly kind: "event"; readonly event: ResponsesStreamEvent }
  | { readonly kind: "gate"; readonly gate: ReplyGate }
  | { readonly kind: "delay"; readonly ms: number };

export type StreamEnding =
  | { readonly kind: "completed"; readonly usage: ScriptedUsage }
  | { readonly kind: "failed"; readonly code: string; readonly message: string }
  | { readonly kind: "hang" };

/** An answer streamed as `text/event-stream`: `response.created`, the steps, then the ending. */
export interface StreamReply {
  readonly kind: "stream";
  readonly created: boolean;
  readonly steps: readonly ReplyStep[];
  readonly ending: StreamEnding;
  /** Wait this long before each event (for demos; tests should prefer gates). */
  readonly eventDelayMs: number;
}

/** A plain HTTP error answer (no stream). */
export interface HttpErrorReply {
  readonly kind: "httpError";
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export type ScriptedReply = StreamReply | HttpErrorReply;

export interface UsageOption {
  /** Token counts for `response.completed`; default 10 in, 5 out. */
  usage?: Partial<ScriptedUsage>;
}

export interface TextReplyOptions extends UsageOption {
  /** Number of deltas (default 1) or the exact deltas, which must join to the text. */
  chunks?: Chunking;
  /** Item id; generated when omitted. */
  id?: string;
  /**
   * Hold the stream between deltas: after the `afterChunk`-th delta (1-based, fewer than the number of
   * chunks) until the gate is released. The test awaits `gate.reached`, acts, then releases.
   */
  gates?: readonly ChunkGate[];
}

export interface FunctionCallOptions extends UsageOption {
  name: string;
  /** An object is serialised with `JSON.stringify`; a string is sent as is. */
  arguments: string | Readonly<Record<string, unknown>>;
  callId?: string;
  id?: string;
}

export type SandboxPermissions = "use_default" | "require_escalated" | (string & {});

export interface ExecCommandOptions extends UsageOption {
  /** The shell command line, e.g. `touch marker`. */
  cmd: string;
  /** Shown to the user in the approval request (`reason`). */
  justification?: string;
  /** Default `require_escalated`: with `approval_policy = "on-request"` the server asks the client. */
  sandboxPermissions?: SandboxPermissions;
  workdir?: string;
  callId?: string;
  id?: string;
}

export interface FailedReplyOptions {
  code?: string;
  message?: string;
}

export interface HttpFailOptions {
  status?: number;
  body?: string | Readonly<Record<string, unknown>>;
  headers?: Readonly<Record<string, string>>;
}

export interface HangOptions {
  /** Send `response.created` before hanging (default true). */
  created?: boolean;
}

export interface SlowOptions {
  /** Hold the stream after `response.created` until the gate is released. */
  gate?: ReplyGate;
  /** Wait this long after `response.created` before the rest. */
  delayMs?: number;
  /** Wait this long before every event. */
  eventDelayMs?: number;
}

export const DEFAULT_USAGE: ScriptedUsage = { inputTokens: 10, outputTokens: 5 };

function completed(usage: Partial<ScriptedUsage> | undefined): StreamEnding {
  return { kind: "completed", usage: { ...DEFAULT_USAGE, ...usage } };
}

function stream(steps: readonly ReplyStep[], ending: StreamEnding): StreamReply {
  return { kind: "stream", created: true, steps, ending, eventDelayMs: 0 };
}

function checkChunks(text: string, chunks: Chunking): Chunking {
  if (typeof chunks === "number") {
    if (!Number.isInteger(chunks) || chunks < 1) {
      throw new ScriptedModelError(
        "scripted_model_invalid_reply",
        `chunks must be a positive integer, got ${chunks}`,
      );
    }
    return chunks;
  }
  if (chunks.length === 0 || chunks.join("") !== text) {
    throw new ScriptedModelError(
      "scripted_model_invalid_reply",
      "explicit chunks must be non-empty and join to the text",
    );
  }
  return [...chunks];
}

function checkGates(chunks: Chunking, gates: readonly ChunkGate[]): readonly ChunkGate[] {
  const count = typeof chunks === "number" ? chunks : chunks.length;
  for (const { afterChunk } of gates) {
    if (!Number.isInteger(afterChunk) || afterChunk < 1 || afterChunk >= count) {
      throw new ScriptedModelError(
        "scripted_model_invalid_reply",
        `a gate holds the stream between deltas: afterChunk must be 1 to ${count - 1}, got ${afterChunk}`,
      );
    }
  }
  return [...gates];
}

function textOutput(type: "message" | "reasoning", text: string, options: TextReplyOptions): StreamReply {
  const chunks = checkChunks(text, options.chunks ?? 1);
  const output: ScriptedOutput = {
    type,
    text,
    chunks,
    ...(options.id === undefined ? {} : { id: options.id }),
    ...(options.gates === undefined || options.gates.length === 0
      ? {}
      : { gates: checkGates(chunks, options.gates) }),
  };
  return stream([{ kind: "output", output }], completed(options.usage));
}

function functionCall(options: FunctionCallOptions): StreamReply {
  const output: ScriptedOutput = {
    type: "functionCall",
    name: options.name,
    arguments: typeof options.arguments === "string" ? options.arguments : JSON.stringify(options.arguments),
    ...(options.callId === undefined ? {} : { callId: options.callId }),
    ...(options.id === undefined ? {} : { id: options.id }),
  };
  return stream([{ kind: "output", output }], completed(options.usage));
}

/**
 * Builders for the answers a {@link ScriptedModel} gives. Each reply is plain data; ids are
 * generated when the reply is served, so one reply object can be enqueued several times.
 */
export const reply = {
  /** An assistant message: `output_item.added`, one `output_text.delta` per chunk, `output_item.done`. */
  message(text: string, options: TextReplyOptions = {}): StreamReply {
    return textOutput("message", text, options);
  },

  /** A reasoning item whose summary is streamed as `reasoning_summary_text.delta` events. */
  reasoning(text: string, options: TextReplyOptions = {}): StreamReply {
    return textOutput("reasoning", text, options);
  },

  /** A `function_call` output item for any tool the server offers. */
  functionCall,

  /** A call of the server's `exec_command` tool; the server runs it (after approval when asked). */
  execCommand(options: ExecCommandOptions): StreamReply {
    const args: Record<string, unknown> = {
      cmd: options.cmd,
      sandbox_permissions: options.sandboxPermissions ?? "require_escalated",
    };
    if (options.justification !== undefined) args.justification = options.justification;
    if (options.workdir !== undefined) args.workdir = options.workdir;
    return functionCall({
      name: "exec_command",
      arguments: args,
      ...(options.callId === undefined ? {} : { callId: options.callId }),
      ...(options.id === undefined ? {} : { id: options.id }),
      ...(options.usage === undefined ? {} : { usage: options.usage }),
    });
  },

  /** Raw Responses events, sent as given between `response.created` and `response.completed`. */
  events(events: readonly ResponsesStreamEvent[], options: UsageOption = {}): StreamReply {
    return stream(
      events.map((event) => ({ kind: "event", event })),
      completed(options.usage),
    );
  },

  /** Holds the stream at this point until the gate is released. Meant for `reply.sequence`. */
  waitFor(gate: ReplyGate): StreamReply {
    return stream([{ kind: "gate", gate }], completed(undefined));
  },

  /**
   * One response made of several parts, in order (reasoning then a message, a message then an
   * exec_command call...). The last part decides how the stream ends; earlier parts must end normally.
   */
  sequence(...parts: readonly StreamReply[]): StreamReply {
    const last = parts.at(-1);
    if (last === undefined) {
      throw new ScriptedModelError("scripted_model_invalid_reply", "reply.sequence needs at least one part");
    }
    for (const part of parts) {
      if ((part as ScriptedReply).kind !== "stream") {
        throw new ScriptedModelError(
          "scripted_model_invalid_reply",
          "reply.sequence only combines streamed replies; an HTTP failure must be a reply of its own",
        );
      }
      if (part !== last && part.ending.kind !== "completed") {
        throw new ScriptedModelError(
          "scripted_model_invalid_reply",
          `only the last part of reply.sequence may end with "${part.ending.kind}"`,
        );
      }
    }
    return {
      kind: "stream",
      created: parts[0]?.created ?? true,
      steps: parts.flatMap((part) => part.steps),
      ending: last.ending,
      eventDelayMs: Math.max(...parts.map((part) => part.eventDelayMs)),
    };
  },

  /** A stream that ends with `response.failed` instead of `response.completed`. */
  failed(options: FailedReplyOptions = {}): StreamReply {
    return stream([], {
      kind: "failed",
      code: options.code ?? "server_error",
      message: options.message ?? "scripted failure",
    });
  },

  /** An HTTP error answer, 500 by default. */
  fail(options: HttpFailOptions = {}): HttpErrorReply {
    const status = options.status ?? 500;
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new ScriptedModelError(
        "scripted_model_invalid_reply",
        `reply.fail needs a 4xx or 5xx status, got ${status}`,
      );
    }
    const body =
      typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body ?? { error: { message: "scripted failure", type: "server_error" } });
    return { kind: "httpError", status, body, headers: { ...options.headers } };
  },

  /** Sends the headers (and `response.created`), then never finishes until the client leaves or the model closes. */
  hang(options: HangOptions = {}): StreamReply {
    return { ...stream([], { kind: "hang" }), created: options.created ?? true };
  },

  /** The same reply, held by a gate and/or slowed by delays. */
  slow(inner: StreamReply, options: SlowOptions): StreamReply {
    if ((inner as ScriptedReply).kind !== "stream") {
      throw new ScriptedModelError(
        "scripted_model_invalid_reply",
        "reply.slow only applies to streamed replies",
      );
    }
    for (const ms of [options.delayMs, options.eventDelayMs]) {
      if (ms !== undefined && (!Number.isFinite(ms) || ms < 0)) {
        throw new ScriptedModelError(
          "scripted_model_invalid_reply",
          `delays must be non-negative numbers, got ${ms}`,
        );
      }
    }
    const before: ReplyStep[] = [];
    if (options.gate !== undefined) before.push({ kind: "gate", gate: options.gate });
    if (options.delayMs !== undefined && options.delayMs > 0)
      before.push({ kind: "delay", ms: options.delayMs });
    return {
      ...inner,
      steps: [...before, ...inner.steps],
      eventDelayMs: options.eventDelayMs ?? inner.eventDelayMs,
    };
  },
} as const;

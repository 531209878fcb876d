import type { CodexVersion, TurnError } from "@codex-app-server/protocol";
import { CodexError } from "@codex-app-server/protocol/errors";
import { CodexTimeoutError, ConnectionClosedError } from "@codex-app-server/transport";
import type { ChatContinuation } from "./continuation.js";

/**
 * A turn sent nothing for the inactivity timeout. Pass `continuation` back to resume or cancel it.
 * A timeout: `instanceof CodexTimeoutError` holds (`timeoutMs` is the inactivity timeout).
 */
export class CodexTurnInactiveError extends CodexTimeoutError {
  readonly continuation: ChatContinuation;

  constructor(continuation: ChatContinuation, timeoutMs: number) {
    super(
      `turn ${continuation.turnId} on thread ${continuation.threadId} sent nothing for ${timeoutMs} ms; ` +
        "resume it by passing error.continuation, or cancel it",
      { timeoutMs, code: "turn_inactive" },
    );
    this.continuation = continuation;
  }
}
Object.defineProperty(CodexTurnInactiveError, "name", { value: "CodexTurnInactiveError" }); // see codexError.ts

/** An operation was asked of an actor in a state that does not accept it; nothing was applied. */
export class CodexInvalidStateError extends CodexError {
  readonly actorId: string;
  readonly state: string;
  readonly event: string;

  constructor(actorId: string, state: string, event: string, hint?: string) {
    super("invalid_state", `${actorId} is ${state}: it does not accept ${event}${hint ? ` (${hint})` : ""}`);
    this.actorId = actorId;
    this.state = state;
    this.event = event;
  }
}
Object.defineProperty(CodexInvalidStateError, "name", { value: "CodexInvalidStateError" }); // see codexError.ts

/** The turn ended with status `failed`. */
export class CodexTurnFailedError extends CodexError {
  readonly threadId: string;
  readonly turnId: string;
  readonly turnError: TurnError | null;

  constructor(threadId: string, turnId: string, turnError: TurnError | null) {
    super(
      "turn_failed",
      `turn ${turnId} failed: ${turnError?.message ?? "no error message from the server"}`,
    );
    this.threadId = threadId;
    this.turnId = turnId;
    this.turnError = turnError;
  }
}
Object.defineProperty(CodexTurnFailedError, "name", { value: "CodexTurnFailedError" }); // see codexError.ts

/** Too many notifications arrived for a turn the client does not know yet. */
export class CodexBufferOverflowError extends CodexError {
  constructor(limit: number, threadId: string) {
    super(
      "buffer_overflow",
      `more than ${limit} notifications arrived for thread ${threadId} before its turn/start answer; ` +
        "raise maxEarlyNotifications",
    );
  }
}
Object.defineProperty(CodexBufferOverflowError, "name", { value: "CodexBufferOverflowError" }); // see codexError.ts

/**
 * A warning, through `onError`: nobody read a turn while `maxUnreadEvents` events waited, so its deltas
 * are being dropped. Items, steps and the result stay whole; `turn.droppedDeltas` counts what was lost.
 */
export class CodexEventsDroppedError extends CodexError {
  readonly turnId: string;
  readonly limit: number;

  constructor(turnId: string, limit: number) {
    super(
      "events_dropped",
      `turn ${turnId} has ${limit} unread events: its deltas are dropped until it is read ` +
        "(items and the result are kept; raise maxUnreadEvents to keep more)",
    );
    this.turnId = turnId;
    this.limit = limit;
  }
}
Object.defineProperty(CodexEventsDroppedError, "name", { value: "CodexEventsDroppedError" }); // see codexError.ts

/** Arguments that do not fit together (e.g. text and a continuation in one call). */
export class CodexUsageError extends CodexError {
  constructor(message: string) {
    super("usage", message);
  }
}
Object.defineProperty(CodexUsageError, "name", { value: "CodexUsageError" }); // see codexError.ts

/**
 * A warning, not a failure: the server's version is outside the range this SDK supports (`older`,
 * `newer` than its schemas), or cannot be told (`unknown`). The client keeps working.
 */
export class CodexServerVersionWarning extends CodexError {
  readonly support: "older" | "newer" | "unknown";
  /** The server's version, when its userAgent says. */
  readonly version: CodexVersion | undefined;

  constructor(support: "older" | "newer" | "unknown", version: CodexVersion | undefined, message: string) {
    super("unsupported_server_version", message);
    this.support = support;
    this.version = version;
  }
}
Object.defineProperty(CodexServerVersionWarning, "name", { value: "CodexServerVersionWarning" }); // see codexError.ts

/**
 * A running turn is gone with the connection it ran on, and no reconnection can bring it back: the
 * stdio server died with its pipe (a turn cannot outlive it; `connectStdio({ respawn: true })`
 * starts a new server and resumes the threads, not the turn), or the resumed thread no longer has the
 * turn. A `ConnectionClosedError`, with the turn's ids; `cause` is what closed the connection.
 */
export class CodexTurnLostError extends ConnectionClosedError {
  readonly threadId: string;
  readonly turnId: string;

  constructor(threadId: string, turnId: string, why: string, options: { cause?: unknown } = {}) {
    super(`turn ${turnId} on thread ${threadId} is lost: ${why}`, {
      cause: options.cause,
      code: "turn_lost",
    });
    this.threadId = threadId;
    this.turnId = turnId;
  }
}
Object.defineProperty(CodexTurnLostError, "name", { value: "CodexTurnLostError" }); // see codexError.ts

import { CodexUsageError } from "./errors.js";
import type { Input } from "./inputs.js";

/** An opaque token to resume (or cancel) a turn that went quiet. Plain data: safe to serialise. */
export interface ChatContinuation {
  readonly threadId: string;
  readonly turnId: string;
  /** How many of the turn's events the caller has already consumed. */
  readonly cursor: number;
  /** Which API produced it: `chatOnce` ("once") or `chat` ("stream"). */
  readonly mode: "once" | "stream";
}

export function isChatContinuation(value: unknown): value is ChatContinuation {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.threadId === "string" &&
    typeof v.turnId === "string" &&
    typeof v.cursor === "number" &&
    (v.mode === "once" || v.mode === "stream")
  );
}

/**
 * What `chat` and `chatOnce` were asked: new input, or a continuation, given either as the first
 * argument or as `options.continuation` (the Python SDKs' `chat_once(continuation=...)`). Throws
 * `CodexUsageError` for neither, for input and a continuation together, for two different
 * continuations, and for an `options.continuation` that is not one.
 */
export function chatRequestOf(
  input: Input | ChatContinuation | undefined,
  continuation: ChatContinuation | undefined,
): { input: Input; continuation?: undefined } | { input?: undefined; continuation: ChatContinuation } {
  if (continuation !== undefined && !isChatContinuation(continuation)) {
    throw new CodexUsageError(
      "options.continuation is not a continuation: pass the one a CodexTurnInactiveError carries",
    );
  }
  if (isChatContinuation(input)) {
    if (continuation !== undefined && !sameContinuation(input, continuation)) {
      throw new CodexUsageError(
        "two different continuations: pass it once, as the first argument or as options.continuation",
      );
    }
    return { continuation: input };
  }
  if (continuation !== undefined) {
    if (input !== undefined) {
      throw new CodexUsageError(
        "input and a continuation: a continuation resumes the running turn and takes no new input " +
          "(call chatOnce(undefined, { continuation }), or steer the turn)",
      );
    }
    return { continuation };
  }
  if (input === undefined) {
    throw new CodexUsageError("nothing to send: pass input, or options.continuation to resume a turn");
  }
  return { input };
}

function sameContinuation(a: ChatContinuation, b: ChatContinuation): boolean {
  return a.threadId === b.threadId && a.turnId === b.turnId && a.cursor === b.cursor && a.mode === b.mode;
}

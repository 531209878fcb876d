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

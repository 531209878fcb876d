import type {
  JsonRpcNotification,
  ServerNotificationMap,
  ThreadItem,
  ThreadTokenUsage,
  Turn,
  TurnError,
} from "@codex-app-server/protocol";

/** A server notification, typed by its method. */
export type ServerNotification = {
  [M in keyof ServerNotificationMap & string]: JsonRpcNotification<M, ServerNotificationMap[M]> & {
    params: ServerNotificationMap[M];
  };
}[keyof ServerNotificationMap & string];

/**
 * What a turn does: `turn` (a `turn/start`), `compaction` (`thread/compact/start`) or `review`
 * (`review/start`). Compactions and reviews cannot be steered, and while one runs, the thread's next
 * turn waits for it.
 */
export type TurnKind = "turn" | "compaction" | "review";

/** The final state of a turn, as `TurnHandle.result()` reports it. */
export interface TurnResult {
  threadId: string;
  turnId: string;
  /** `inProgress` only in a snapshot taken before the turn ended. */
  status: "completed" | "interrupted" | "failed" | "inProgress";
  /** The last final-answer (or phase-less) assistant message, or null when the turn produced none. */
  finalResponse: string | null;
  /** Id of the item `finalResponse` came from. */
  assistantItemId: string | null;
  /** Every completed item of the turn, in order (the user's own message included). */
  items: ThreadItem[];
  usage: ThreadTokenUsage | null;
  error: TurnError | null;
  /** The `turn` of `turn/completed`, when the turn ended normally. */
  turn: Turn | null;
  /** Deltas dropped while nobody read the turn (see `maxUnreadEvents`); 0 when none were. */
  droppedDeltas: number;
}

import type { ThreadItem, ThreadTokenUsage, TurnStatus } from "@codex-app-server/protocol";
import type { ConversationStep } from "./steps.js";
import type { ServerNotification } from "./turnTypes.js";

/** What `chatOnce` returns. */
export interface ChatResult {
  threadId: string;
  turnId: string;
  finalText: string;
  items: ThreadItem[];
  usage: ThreadTokenUsage | null;
  status: TurnStatus;
  assistantItemId: string | null;
  /** Where `finalText` came from: a live `item/completed`, or `thread/read` after the turn ended without one. */
  completionSource: "item_completed" | "thread_read_fallback" | null;
  /** The notifications consumed, when `includeRawEvents` was set. */
  rawEvents?: ServerNotification[];
}

/** What `cancel` returns. */
export interface CancelResult {
  threadId: string;
  turnId: string;
  /** Completed steps not yet read when cancel was called (since the continuation's cursor). */
  steps: ConversationStep[];
  /** Every notification not yet read (since the continuation's cursor). */
  rawEvents: ServerNotification[];
  /** The turn had already ended on its own. */
  wasCompleted: boolean;
  /** An interrupt was sent. */
  wasInterrupted: boolean;
}

/** What `thread.run` returns (the shape of OpenAI's Python SDK's `RunResult`). */
export interface RunResult {
  finalResponse: string | null;
  items: ThreadItem[];
  usage: ThreadTokenUsage | null;
}

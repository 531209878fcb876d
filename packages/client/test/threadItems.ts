import type { ThreadItem, Turn } from "@codex-app-server/protocol";

/** An agent message item as the server describes it in a turn. */
export function agentMessageItem(id: string, text: string): ThreadItem {
  return {
    type: "agentMessage",
    id,
    text,
    phase: null,
    moderation: null,
    memoryCitation: null,
    delivery: null,
    questions: null,
  } as ThreadItem;
}

/** A turn as `thread/resume` lists it. */
export function resumedTurn(id: string, items: ThreadItem[], status: Turn["status"]): Turn {
  return {
    id,
    rootTurnId: id,
    items,
    itemsView: "full",
    status,
    error: null,
    startedAt: null,
    completedAt: null,
    durationMs: null,
  } as unknown as Turn;
}

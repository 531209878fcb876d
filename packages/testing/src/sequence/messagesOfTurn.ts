import { routeOf } from "@codex-app-server/protocol";
import type { ServerMessageLike } from "./describeServerMessage.js";

export interface TurnFilter {
  threadId: string;
  /** Keep only this turn's messages (and thread-level ones such as `thread/status/changed`). */
  turnId?: string;
  /** Methods to leave out even when routed to the thread. */
  ignore?: Iterable<string>;
}

/**
 * The notifications and server requests that belong to a thread (and turn): those whose params name
 * it, as the protocol's routing table reads them. Responses, messages that name no thread
 * (`account/rateLimits/updated`, `configWarning`, ...) and the methods in `ignore` are left out.
 * Takes any list of messages, e.g. a fake's `sent`.
 */
export function messagesOfTurn<M extends object>(
  messages: Iterable<M>,
  filter: TurnFilter,
): Array<M & ServerMessageLike> {
  const ignored = new Set(filter.ignore ?? []);
  const kept: Array<M & ServerMessageLike> = [];
  for (const candidate of messages) {
    if (typeof (candidate as { method?: unknown }).method !== "string") continue;
    const message = candidate as M & ServerMessageLike;
    if (ignored.has(message.method)) continue;
    const route = routeOf(message.method, message.params);
    if (route.threadId !== filter.threadId) continue;
    if (filter.turnId !== undefined && route.turnId !== undefined && route.turnId !== filter.turnId) continue;
    kept.push(message);
  }
  return kept;
}

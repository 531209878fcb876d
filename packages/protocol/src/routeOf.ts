import { SERVER_MESSAGE_ROUTES } from "./generated/index.js";

/** The thread and turn a server message belongs to, when its params say so. */
export interface MessageRoute {
  readonly threadId?: string;
  readonly turnId?: string;
}

/** Returned for every message that names neither a thread nor a turn. */
export const NO_ROUTE: MessageRoute = Object.freeze({});

function readString(params: unknown, path: readonly string[]): string | undefined {
  let current: unknown = params;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === "string" ? current : undefined;
}

/**
 * Where a server notification or server request belongs, read from the key paths generated from the
 * schema (e.g. `turn/started` → `params.threadId` and `params.turn.id`). Allocates only the returned
 * object; messages with no thread or turn get the frozen `NO_ROUTE`.
 */
export function routeOf(method: string, params: unknown): MessageRoute {
  const paths = SERVER_MESSAGE_ROUTES.get(method);
  if (paths === undefined) return NO_ROUTE;
  const threadId = paths.threadId === undefined ? undefined : readString(params, paths.threadId);
  const turnId = paths.turnId === undefined ? undefined : readString(params, paths.turnId);
  if (threadId === undefined) return turnId === undefined ? NO_ROUTE : { turnId };
  return turnId === undefined ? { threadId } : { threadId, turnId };
}

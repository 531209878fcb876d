import { type RoutePaths, SERVER_MESSAGE_ROUTES } from "./generated/index.js";

/** The thread and turn a server message belongs to, when its params say so. */
export interface MessageRoute {
  readonly threadId?: string;
  readonly turnId?: string;
}

/** Returned for every message that names neither a thread nor a turn. */
export const NO_ROUTE: MessageRoute = Object.freeze({});

/** Reads one id from a message's params: undefined when it is absent or not a string. */
export type RouteIdReader = (params: unknown) => string | undefined;
type StringReader = RouteIdReader;

/** How to read one method's thread and turn ids. */
export interface RouteReaders {
  readonly threadId: RouteIdReader;
  readonly turnId: RouteIdReader;
  /** Both, as {@link routeOf} returns them. */
  readonly route: (params: unknown) => MessageRoute;
}

const noId: RouteIdReader = () => undefined;

function readString(params: unknown, path: readonly string[]): string | undefined {
  let current: unknown = params;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === "string" ? current : undefined;
}

/** `readString` for one path, unrolled for the one- and two-key paths every generated route uses. */
function stringReader(path: readonly string[]): StringReader {
  if (path.length === 1) {
    const key = path[0] as string;
    return (params) => {
      if (typeof params !== "object" || params === null) return undefined;
      const value = (params as Record<string, unknown>)[key];
      return typeof value === "string" ? value : undefined;
    };
  }
  if (path.length === 2) {
    const outer = path[0] as string;
    const inner = path[1] as string;
    return (params) => {
      if (typeof params !== "object" || params === null) return undefined;
      const parent = (params as Record<string, unknown>)[outer];
      if (typeof parent !== "object" || parent === null) return undefined;
      const value = (parent as Record<string, unknown>)[inner];
      return typeof value === "string" ? value : undefined;
    };
  }
  return (params) => readString(params, path);
}

function routeReaders(paths: RoutePaths): RouteReaders {
  const thread = paths.threadId === undefined ? noId : stringReader(paths.threadId);
  const turn = paths.turnId === undefined ? noId : stringReader(paths.turnId);
  return {
    threadId: thread,
    turnId: turn,
    route: (params) => {
      const threadId = thread(params);
      const turnId = turn(params);
      if (threadId === undefined) return turnId === undefined ? NO_ROUTE : { turnId };
      return turnId === undefined ? { threadId } : { threadId, turnId };
    },
  };
}

const ROUTE_READERS: ReadonlyMap<string, RouteReaders> = new Map(
  [...SERVER_MESSAGE_ROUTES].map(([method, paths]) => [method, routeReaders(paths)]),
);

/**
 * The readers behind {@link routeOf} for one method (undefined for a method that names neither a
 * thread nor a turn): for a hot path that wants one id at a time, with one map lookup per message and
 * no route object.
 */
export function routeReadersOf(method: string): RouteReaders | undefined {
  return ROUTE_READERS.get(method);
}

/**
 * Where a server notification or server request belongs, read from the key paths generated from the
 * schema (e.g. `turn/started` → `params.threadId` and `params.turn.id`). Allocates only the returned
 * object; messages with no thread or turn get the frozen `NO_ROUTE`. Each method's paths are turned
 * into a reader once, at load: this runs for every message.
 */
export function routeOf(method: string, params: unknown): MessageRoute {
  const readers = ROUTE_READERS.get(method);
  return readers === undefined ? NO_ROUTE : readers.route(params);
}

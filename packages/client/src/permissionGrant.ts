import type { FileSystemAccessMode, RequestPermissionProfile } from "@codex-app-server/protocol";

/** How much an entry's access allows: `deny` least, `write` most. */
const ACCESS_RANK: Record<FileSystemAccessMode, number> = { deny: 0, read: 1, write: 2 };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isAbsent = (value: unknown): boolean => value === undefined || value === null;

/** Fields this check does not know pass only when they grant exactly what the request asked. */
function othersAsAsked(granted: Json, known: readonly string[], asked: unknown): boolean {
  return Object.keys(granted).every(
    (key) => known.includes(key) || (isObject(asked) && sameJson(granted[key], asked[key])),
  );
}

/**
 * Whether an answer to `item/permissions/requestApproval` grants no more than the request asked
 * for, judged field by field against the protocol's shapes:
 * - `network.enabled: true` only when the request asked for the network;
 * - each legacy `read` path one the request listed to read or write, each `write` path one it
 *   listed to write;
 * - each `entries` item one the request listed for the same path, with the same or less access
 *   (`deny` < `read` < `write`);
 * - `globScanMaxDepth` no deeper than the request's (and none when it set none);
 * - `scope` `"turn"` or `"session"`, `strictAutoReview` a boolean.
 * A field this check does not know passes only when it equals the request's; anything else (a
 * wrong type, an unknown answer field) is refused: what cannot be judged is not sent.
 */
export function grantsWithinRequest(asked: RequestPermissionProfile | undefined, answer: unknown): boolean {
  if (!isObject(answer) || !othersAsAsked(answer, ["permissions", "scope", "strictAutoReview"], undefined)) {
    return false;
  }
  if (!isAbsent(answer.scope) && answer.scope !== "turn" && answer.scope !== "session") return false;
  if (!isAbsent(answer.strictAutoReview) && typeof answer.strictAutoReview !== "boolean") return false;
  const granted = answer.permissions;
  if (!isObject(granted) || !othersAsAsked(granted, ["network", "fileSystem"], asked)) return false;
  return (
    networkWithin(asked?.network, granted.network) && fileSystemWithin(asked?.fileSystem, granted.fileSystem)
  );
}

function networkWithin(asked: unknown, granted: unknown): boolean {
  if (isAbsent(granted)) return true;
  if (!isObject(granted) || !othersAsAsked(granted, ["enabled"], asked)) return false;
  if (isAbsent(granted.enabled) || granted.enabled === false) return true;
  return granted.enabled === true && isObject(asked) && asked.enabled === true;
}

const FILE_SYSTEM_FIELDS = ["entries", "globScanMaxDepth", "read", "write"];

function fileSystemWithin(asked: unknown, granted: unknown): boolean {
  if (isAbsent(granted)) return true;
  if (!isObject(granted) || !othersAsAsked(granted, FILE_SYSTEM_FIELDS, asked)) return false;
  const request = isObject(asked) ? asked : {};
  const askedRead = pathsOf(request.read) ?? [];
  const askedWrite = pathsOf(request.write) ?? [];
  const read = pathsOf(granted.read);
  const write = pathsOf(granted.write);
  if (read === undefined || write === undefined) return false;
  if (!read.every((path) => askedRead.includes(path) || askedWrite.includes(path))) return false;
  if (!write.every((path) => askedWrite.includes(path))) return false;
  if (!isAbsent(granted.globScanMaxDepth)) {
    const depth = granted.globScanMaxDepth;
    const askedDepth = request.globScanMaxDepth;
    if (typeof depth !== "number" || typeof askedDepth !== "number" || depth > askedDepth) return false;
  }
  if (isAbsent(granted.entries)) return true;
  if (!Array.isArray(granted.entries)) return false;
  const askedEntries = Array.isArray(request.entries) ? request.entries : [];
  return granted.entries.every((entry: unknown) => entryWithin(askedEntries, entry));
}

/** A legacy path list: `[]` when absent, `undefined` when it is not a list of strings. */
function pathsOf(value: unknown): string[] | undefined {
  if (isAbsent(value)) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) return undefined;
  return value as string[];
}

/** One the request listed for the same path, with no more access. */
function entryWithin(askedEntries: readonly unknown[], entry: unknown): boolean {
  if (!isObject(entry)) return false;
  const rank = rankOf(entry.access);
  if (rank === undefined) return false;
  return askedEntries.some((asked) => {
    if (!isObject(asked) || !sameJson(asked.path, entry.path)) return false;
    const askedRank = rankOf(asked.access);
    return askedRank !== undefined && rank <= askedRank && othersAsAsked(entry, ["access", "path"], asked);
  });
}

function rankOf(access: unknown): number | undefined {
  return typeof access === "string" && Object.hasOwn(ACCESS_RANK, access)
    ? ACCESS_RANK[access as FileSystemAccessMode]
    : undefined;
}

/** Deep equality of JSON values; object keys in any order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => sameJson(item, b[i]))
    );
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]))
  );
}

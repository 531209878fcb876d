/** A codex-cli release number, e.g. 0.171.0 (a pre-release such as 0.172.0-alpha.1 sorts before 0.172.0). */
export interface CodexVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** The pre-release tag (`alpha.1`), when there is one. */
  readonly prerelease: string | undefined;
  /** As written: `0.171.0`, `0.172.0-alpha.1`. */
  readonly text: string;
}

const VERSION = /(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?/;

/** The first version number in `text`, e.g. from `codex --version` ("codex-cli 0.171.0"). */
export function parseCodexVersion(text: string): CodexVersion | undefined {
  const match = VERSION.exec(text);
  if (match === null) return undefined;
  const [whole, major, minor, patch, prerelease] = match;
  return {
    major: Number(major),
    minor: Number(minor),
    patch: Number(patch),
    prerelease,
    text: whole,
  };
}

/**
 * The server's version from the `userAgent` of its `initialize` response, which is
 * `<clientInfo.name>/<server version> (<os>; <arch>) <terminal> (<client name>; <client version>)`,
 * e.g. `codex-app-server-sdk-ts/0.171.0 (Debian 12.0.0; x86_64) xterm (codex-app-server-sdk-ts; 0.1.0)`.
 */
export function parseUserAgentVersion(userAgent: string): CodexVersion | undefined {
  const slash = userAgent.indexOf("/");
  const head = slash < 0 ? "" : userAgent.slice(slash + 1).split(" ", 1)[0]!;
  return parseCodexVersion(head) ?? parseCodexVersion(userAgent);
}

/** Negative when `a` is older than `b`, positive when newer, 0 when equal. */
export function compareCodexVersions(a: CodexVersion | string, b: CodexVersion | string): number {
  const left = typeof a === "string" ? requireVersion(a) : a;
  const right = typeof b === "string" ? requireVersion(b) : b;
  const byNumber = left.major - right.major || left.minor - right.minor || left.patch - right.patch;
  if (byNumber !== 0) return byNumber;
  if (left.prerelease === right.prerelease) return 0;
  if (left.prerelease === undefined) return 1;
  if (right.prerelease === undefined) return -1;
  return left.prerelease < right.prerelease ? -1 : 1;
}

function requireVersion(text: string): CodexVersion {
  const parsed = parseCodexVersion(text);
  if (parsed === undefined) throw new TypeError(`not a version: ${JSON.stringify(text)}`);
  return parsed;
}

import { execFile } from "node:child_process";
import {
  type CodexVersion,
  codexVersionSupport,
  compareCodexVersions,
  parseCodexVersion,
  SUPPORTED_CODEX_RANGE,
} from "@codex-app-server/protocol";
import { RealAppServerError } from "./errors.js";
import { resolveCodexBinary } from "./resolveCodexBinary.js";

/** Environment variable: the path of the codex binary the real-server tests run. */
export const CODEX_BIN_ENV = "CODEX_APP_SERVER_BIN";
/** Environment variable: the codex release the real-server tests run (installed as `@openai/codex` or `codex-<version>`). */
export const CODEX_VERSION_ENV = "CODEX_TEST_VERSION";

export interface CodexReleaseOptions {
  /** The codex executable, or executable plus leading args. Wins over everything else. */
  codexCommand?: string | readonly [string, ...string[]];
  /** A release installed next to this package: `@openai/codex` at that version, or an alias `codex-<version>`. */
  codexVersion?: string;
  /** Start a binary outside `SUPPORTED_CODEX_RANGE` instead of refusing it. */
  allowUnsupportedVersion?: boolean;
  /** Where `CODEX_APP_SERVER_BIN` and `CODEX_TEST_VERSION` are read from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The codex program a real-server fixture runs, and the release it reported. */
export interface CodexRelease {
  command: string;
  leadingArgs: string[];
  /** From `codex --version`; undefined when the program does not say (a stand-in script). */
  version: CodexVersion | undefined;
  /** Which option chose it. */
  source: "codexCommand" | "codexVersion" | typeof CODEX_BIN_ENV | typeof CODEX_VERSION_ENV | "pinned";
}

const versions = new Map<string, Promise<CodexVersion | undefined>>();

/** What `<command> --version` reports, once per command line; undefined when it prints no version. */
export function codexVersionOf(
  command: string,
  leadingArgs: readonly string[] = [],
): Promise<CodexVersion | undefined> {
  const key = JSON.stringify([command, ...leadingArgs]);
  let known = versions.get(key);
  if (known === undefined) {
    known = new Promise((resolve) => {
      execFile(command, [...leadingArgs, "--version"], { timeout: 30_000 }, (error, stdout) => {
        resolve(error === null ? parseCodexVersion(stdout) : undefined);
      });
    });
    versions.set(key, known);
  }
  return known;
}

/**
 * Chooses the codex program: `codexCommand`, else `codexVersion`, else the `CODEX_APP_SERVER_BIN` and
 * `CODEX_TEST_VERSION` environment variables, else the installed (pinned) `@openai/codex`. Checks the
 * version it reports: a requested version must match, and a version outside `SUPPORTED_CODEX_RANGE` is
 * refused unless `allowUnsupportedVersion`. A `codexCommand` that reports no version (a stand-in) is
 * taken as it is.
 */
export async function selectCodexRelease(options: CodexReleaseOptions = {}): Promise<CodexRelease> {
  const env = options.env ?? process.env;
  const fromEnvBin = env[CODEX_BIN_ENV]?.trim() || undefined;
  const fromEnvVersion = env[CODEX_VERSION_ENV]?.trim() || undefined;
  let command: string;
  let leadingArgs: string[] = [];
  let source: CodexRelease["source"];
  let wanted: string | undefined;
  if (options.codexCommand !== undefined) {
    [command, ...leadingArgs] =
      typeof options.codexCommand === "string" ? [options.codexCommand] : options.codexCommand;
    source = "codexCommand";
  } else if (options.codexVersion !== undefined) {
    wanted = options.codexVersion;
    command = resolveCodexBinary({ version: wanted });
    source = "codexVersion";
  } else if (fromEnvBin !== undefined) {
    command = fromEnvBin;
    source = CODEX_BIN_ENV;
  } else if (fromEnvVersion !== undefined) {
    wanted = fromEnvVersion;
    command = resolveCodexBinary({ version: wanted });
    source = CODEX_VERSION_ENV;
  } else {
    command = resolveCodexBinary();
    source = "pinned";
  }
  const version = await codexVersionOf(command, leadingArgs);
  if (wanted !== undefined && (version === undefined || compareCodexVersions(version, wanted) !== 0)) {
    throw new RealAppServerError(
      "unsupported_codex_version",
      `${command} reports ${version?.text ?? "no version"}, but ${source} asked for ${wanted}`,
    );
  }
  if (version === undefined && source !== "codexCommand") {
    throw new RealAppServerError(
      "unsupported_codex_version",
      `${command} --version printed no version (${source})`,
    );
  }
  if (
    version !== undefined &&
    !options.allowUnsupportedVersion &&
    codexVersionSupport(version) !== "supported"
  ) {
    throw new RealAppServerError(
      "unsupported_codex_version",
      `${command} is codex-cli ${version.text}, outside the supported ${SUPPORTED_CODEX_RANGE.oldest} to ` +
        `${SUPPORTED_CODEX_RANGE.newest} (pass allowUnsupportedVersion to start it anyway)`,
    );
  }
  return { command, leadingArgs, version, source };
}

/**
 * The first release whose `app-server` has `--print-startup-config` is not recorded; 0.169.0 and later
 * have it (verified), 0.163.0 does not. Releases in between are asked (`app-server --help`).
 */
const STARTUP_CONFIG_FLAG_SINCE = "0.169.0";

const helpTexts = new Map<string, Promise<string>>();

/** Whether this release's `app-server` can check its configuration with `--print-startup-config`. */
export async function hasStartupConfigFlag(release: CodexRelease): Promise<boolean> {
  if (release.version === undefined) return true;
  if (compareCodexVersions(release.version, STARTUP_CONFIG_FLAG_SINCE) >= 0) return true;
  const key = JSON.stringify([release.command, ...release.leadingArgs]);
  let help = helpTexts.get(key);
  if (help === undefined) {
    help = new Promise((resolve) => {
      execFile(
        release.command,
        [...release.leadingArgs, "app-server", "--help"],
        { timeout: 30_000 },
        (_e, out) => resolve(String(out)),
      );
    });
    helpTexts.set(key, help);
  }
  return (await help).includes("--print-startup-config");
}

/**
 * The ends of `SUPPORTED_CODEX_RANGE` that are installed next to this package (as `@openai/codex` or
 * the alias `codex-<version>`), oldest first: the releases a test can start with `codexVersion`.
 */
export function installedCodexReleases(): string[] {
  const ends = [...new Set([SUPPORTED_CODEX_RANGE.oldest, SUPPORTED_CODEX_RANGE.newest])];
  return ends.filter((version) => {
    try {
      resolveCodexBinary({ version });
      return true;
    } catch {
      return false;
    }
  });
}

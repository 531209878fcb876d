/**
 * What any program needs to run, and no secret: `PATH` (the `codex` launcher finds `node` there,
 * and the commands codex runs find their tools), `HOME` (the default `~/.codex`), the user, shell,
 * temporary directory and locale; on Windows the system variables a process cannot start without.
 */
const POSIX_KEYS = ["PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "TZ"];
const WINDOWS_KEYS = [
  "PATH",
  "PATHEXT",
  "SystemRoot",
  "SystemDrive",
  "windir",
  "ComSpec",
  "USERPROFILE",
  "USERNAME",
  "HOMEDRIVE",
  "HOMEPATH",
  "APPDATA",
  "LOCALAPPDATA",
  "TEMP",
  "TMP",
  "PROCESSOR_ARCHITECTURE",
  "NUMBER_OF_PROCESSORS",
];

/** The variables a child started with `inheritEnv: false` still gets from this process, for this platform. */
export const ESSENTIAL_ENV_KEYS: readonly string[] = Object.freeze(
  process.platform === "win32" ? WINDOWS_KEYS : POSIX_KEYS,
);

/**
 * The child's environment. `inherit`: `true` (the default) copies all of `process.env`; `false`
 * copies only {@link ESSENTIAL_ENV_KEYS}; a list copies those and the names listed. `overrides`
 * then sets its keys over the result; a key set to `undefined` is removed.
 */
export function childEnv(
  inherit: boolean | readonly string[] | undefined,
  overrides: Record<string, string | undefined> | undefined,
): Record<string, string | undefined> {
  let env: Record<string, string | undefined>;
  if (inherit === undefined || inherit === true) {
    env = { ...process.env };
  } else {
    env = {};
    for (const name of inherit === false ? ESSENTIAL_ENV_KEYS : [...ESSENTIAL_ENV_KEYS, ...inherit]) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
  }
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

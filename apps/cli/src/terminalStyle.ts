import pc from "picocolors";

/** The colour functions of picocolors (identity functions when colours are off). */
export type Style = ReturnType<typeof pc.createColors>;

/**
 * Colours are on only for a terminal: `NO_COLOR` (non-empty) or `--no-color` turns them off,
 * `FORCE_COLOR` (other than "0") turns them on. Unlike picocolors' own default, `CI` alone does not.
 */
export function colorEnabled(
  stream: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
  flag: boolean | undefined,
): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  return stream.isTTY === true && env.TERM !== "dumb";
}

export function createStyle(enabled: boolean): Style {
  return pc.createColors(enabled);
}

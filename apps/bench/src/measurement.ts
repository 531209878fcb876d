/** Which way a figure improves. */
export type Better = "lower" | "higher";

/** One reported figure, with the baseline measured in the same run. */
export interface Measurement {
  /** `<benchmark>.<metric>`, e.g. `stream.sdk_lenient`. */
  name: string;
  value: number;
  unit: string;
  /** The same figure for the baseline, or null when the figure has none. */
  baseline: number | null;
  /**
   * The SDK's cost relative to the baseline: time (or memory) of the SDK divided by the baseline's,
   * so 1.0 is parity and above 1 is slower whatever the unit (for a rate it is baseline / value).
   */
  ratio: number | null;
  /** The largest acceptable ratio, when the figure has a target. */
  target?: number;
  /** What the figure is, for the table. */
  note?: string;
}

export interface MeasurementInput {
  name: string;
  value: number;
  unit: string;
  better: Better;
  baseline?: number | null;
  target?: number;
  note?: string;
}

/** Builds a measurement, deriving the ratio from the direction in which the unit improves. */
export function measurement(input: MeasurementInput): Measurement {
  const baseline = input.baseline ?? null;
  let ratio: number | null = null;
  if (baseline !== null && baseline > 0 && input.value > 0) {
    ratio = input.better === "lower" ? input.value / baseline : baseline / input.value;
  }
  return {
    name: input.name,
    value: input.value,
    unit: input.unit,
    baseline,
    ratio,
    ...(input.target === undefined ? {} : { target: input.target }),
    ...(input.note === undefined ? {} : { note: input.note }),
  };
}

/** Whether a measurement meets its target; undefined when it has none. */
export function meetsTarget(m: Measurement): boolean | undefined {
  if (m.target === undefined) return undefined;
  return m.ratio !== null && m.ratio <= m.target;
}

import { type Measurement, meetsTarget } from "./measurement.js";

/** One JSON object per line: `{"name","value","unit","baseline","ratio"}`. */
export function toJsonLine(m: Measurement): string {
  return JSON.stringify({ name: m.name, value: m.value, unit: m.unit, baseline: m.baseline, ratio: m.ratio });
}

/** A number for humans: thousands separated above 1000, three significant digits below. */
export function formatNumber(value: number | null): string {
  if (value === null) return "-";
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  if (value === 0) return "0";
  return Number(value.toPrecision(3)).toString();
}

function ratioText(m: Measurement): string {
  return m.ratio === null ? "-" : `${m.ratio.toFixed(2)}x`;
}

function targetText(m: Measurement): string {
  const met = meetsTarget(m);
  if (met === undefined) return "";
  return `<= ${Number((m.target as number).toFixed(2))}x ${met ? "met" : "MISSED"}`;
}

/** The measurements as a plain table with padded columns. */
export function formatTable(measurements: readonly Measurement[]): string {
  const header = ["name", "value", "unit", "baseline", "ratio", "target", "what"];
  const rows = measurements.map((m) => [
    m.name,
    formatNumber(m.value),
    m.unit,
    formatNumber(m.baseline),
    ratioText(m),
    targetText(m),
    m.note ?? "",
  ]);
  const numeric = new Set([1, 3, 4]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const render = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] as number;
        return numeric.has(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [render(header), rule, ...rows.map(render)].join("\n");
}

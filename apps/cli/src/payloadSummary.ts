interface SummaryLimits {
  /** Longest string kept whole. */
  maxString: number;
  /** Array entries and object keys shown per level. */
  maxEntries: number;
  /** Nesting shown before `…`. */
  maxDepth: number;
  /** Length of the whole summary. */
  maxLength: number;
}

const LIMITS: SummaryLimits = { maxString: 60, maxEntries: 8, maxDepth: 3, maxLength: 400 };

/** A one-line, JSON-like summary of a payload: long strings, long lists and deep nesting are cut. */
export function summarizePayload(value: unknown): string {
  const text = summarize(value, LIMITS, 0);
  return text.length > LIMITS.maxLength ? `${text.slice(0, LIMITS.maxLength - 1)}…` : text;
}

function summarize(value: unknown, l: SummaryLimits, depth: number): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "string") {
    const cut =
      value.length > l.maxString ? `${value.slice(0, l.maxString)}…(+${value.length - l.maxString})` : value;
    return JSON.stringify(cut);
  }
  if (typeof value !== "object") return String(value);
  if (depth >= l.maxDepth) return Array.isArray(value) ? `[…${value.length}]` : "{…}";
  if (Array.isArray(value)) {
    const shown = value.slice(0, l.maxEntries).map((entry) => summarize(entry, l, depth + 1));
    if (value.length > l.maxEntries) shown.push(`…+${value.length - l.maxEntries}`);
    return `[${shown.join(", ")}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(
    ([, v]) => v !== null && v !== undefined,
  );
  const shown = entries.slice(0, l.maxEntries).map(([k, v]) => `${k}: ${summarize(v, l, depth + 1)}`);
  if (entries.length > l.maxEntries) shown.push(`…+${entries.length - l.maxEntries}`);
  return `{${shown.join(", ")}}`;
}

import { RealAppServerError } from "./errors.js";

export type TomlValue = string | number | boolean | readonly TomlValue[] | TomlTable;

export interface TomlTable {
  readonly [key: string]: TomlValue | undefined;
}

function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep merge: tables merge key by key, anything else in `override` replaces; `undefined` leaves the base. */
export function mergeTomlTables(base: TomlTable, override: TomlTable): TomlTable {
  const merged: Record<string, TomlValue | undefined> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const current = merged[key];
    merged[key] = isTable(current) && isTable(value) ? mergeTomlTables(current, value) : value;
  }
  return merged;
}

function renderKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

function renderValue(value: TomlValue, path: string): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new RealAppServerError("invalid_options", `config value at ${path} is not a finite number`);
    }
    return String(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, index) => renderValue(item, `${path}[${index}]`)).join(", ")}]`;
  }
  if (isTable(value)) {
    const entries = Object.entries(value).filter(
      (entry): entry is [string, TomlValue] => entry[1] !== undefined,
    );
    if (entries.length === 0) return "{}";
    return `{ ${entries.map(([key, item]) => `${renderKey(key)} = ${renderValue(item, `${path}.${key}`)}`).join(", ")} }`;
  }
  throw new RealAppServerError("invalid_options", `config value at ${path} cannot be written as TOML`);
}

/**
 * Renders a table as root-level dotted keys (`a.b.c = 1`) and no `[table]` headers, so that raw
 * TOML lines appended after it still land at the root.
 */
export function renderToml(table: TomlTable): string {
  const lines: string[] = [];
  const walk = (current: TomlTable, prefix: string[]) => {
    for (const [key, value] of Object.entries(current)) {
      if (value === undefined) continue;
      const path = [...prefix, renderKey(key)];
      if (isTable(value) && Object.keys(value).length > 0) walk(value, path);
      else lines.push(`${path.join(".")} = ${renderValue(value, path.join("."))}`);
    }
  };
  walk(table, []);
  return `${lines.join("\n")}\n`;
}

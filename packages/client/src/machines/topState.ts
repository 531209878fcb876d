import type { StateValue } from "xstate";

/** A machine's top-level state name out of its snapshot value (`"idle"`, or `{ running: "x" }` → `"running"`). */
export function topState(value: StateValue): string {
  return typeof value === "string" ? value : (Object.keys(value)[0] ?? "");
}

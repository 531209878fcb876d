import { FakeScriptError } from "./errors.js";

/** A change of one file, as a `fileChange` step lists it. */
export interface FakeFileChange {
  path: string;
  kind?: "add" | "delete" | "update";
  diff?: string;
}

/** What the fake shows in an approval request. */
export interface FakeApproval {
  reason?: string;
  /** Default: what the real server offers, `["accept", {acceptWithExecpolicyAmendment}, "cancel"]`. */
  availableDecisions?: unknown[];
}

/** A scripted turn: the steps the fake plays after `turn/start`, in order. Plain data (JSON-safe). */
export type TurnStep =
  | {
      /** An agent message: `item/started`, one `item/agentMessage/delta` per chunk, `item/completed`. */
      type: "message";
      text: string;
      /** How many deltas (default 1), or the deltas themselves (they must join to `text`). */
      chunks?: number | string[];
      phase?: "commentary" | "final_answer" | null;
      /** Write every delta at once instead of one after the other (for large streams and benchmarks). */
      burst?: boolean;
    }
  | { type: "reasoning"; summary: string; chunks?: number | string[] }
  | {
      type: "exec";
      command: string;
      /** One `item/commandExecution/outputDelta`, or one per entry of a list. */
      output?: string | string[];
      exitCode?: number;
      cwd?: string;
      /** Ask the client first: the command runs only if it accepts ("cancel" also ends the turn). */
      approval?: FakeApproval;
    }
  | {
      type: "fileChange";
      changes: FakeFileChange[];
      approval?: { reason?: string };
    }
  | {
      /** Ask for approval of a command and branch on the decision. */
      type: "approval";
      command: string;
      reason?: string;
      availableDecisions?: unknown[];
      onAccept: TurnStep[];
      onDecline: TurnStep[];
    }
  | { type: "waitForSteer" }
  | { type: "pause"; ms: number }
  | { type: "usage"; inputTokens?: number; outputTokens?: number }
  | { type: "fail"; message: string; codexErrorInfo?: unknown }
  | { type: "hang" }
  | { type: "dropConnection" }
  | { type: "malformed"; line: string }
  | { type: "notify"; method: string; params: unknown };

/** A whole turn. */
export interface TurnScript {
  steps: TurnStep[];
  /** Send `turn/started` before answering `turn/start`, as the real server may. */
  earlyNotifications?: boolean;
  /**
   * Milliseconds between answering `turn/start` and starting the turn (`turn/started`). The real
   * server takes a moment here and refuses `turn/interrupt` until the turn has started; a delay lets
   * a test reach that window. Default 0: the turn starts right after the answer.
   */
  startDelayMs?: number;
}

/** Builders for turn steps. */
export const step = {
  message: (
    text: string,
    options: {
      chunks?: number | string[];
      phase?: "commentary" | "final_answer" | null;
      burst?: boolean;
    } = {},
  ): TurnStep => ({
    type: "message",
    text,
    ...options,
  }),
  reasoning: (summary: string, options: { chunks?: number | string[] } = {}): TurnStep => ({
    type: "reasoning",
    summary,
    ...options,
  }),
  exec: (
    command: string,
    options: { output?: string | string[]; exitCode?: number; cwd?: string; approval?: FakeApproval } = {},
  ): TurnStep => ({
    type: "exec",
    command,
    ...options,
  }),
  fileChange: (changes: FakeFileChange[], options: { approval?: { reason?: string } } = {}): TurnStep => ({
    type: "fileChange",
    changes,
    ...options,
  }),
  approval: (
    command: string,
    branches: {
      onAccept: TurnStep[];
      onDecline: TurnStep[];
      reason?: string;
      availableDecisions?: unknown[];
    },
  ): TurnStep => ({
    type: "approval",
    command,
    ...branches,
  }),
  waitForSteer: (): TurnStep => ({ type: "waitForSteer" }),
  pause: (ms: number): TurnStep => ({ type: "pause", ms }),
  usage: (inputTokens = 10, outputTokens = 5): TurnStep => ({ type: "usage", inputTokens, outputTokens }),
  fail: (message: string, codexErrorInfo?: unknown): TurnStep => ({
    type: "fail",
    message,
    ...(codexErrorInfo === undefined ? {} : { codexErrorInfo }),
  }),
  hang: (): TurnStep => ({ type: "hang" }),
  dropConnection: (): TurnStep => ({ type: "dropConnection" }),
  malformed: (line: string): TurnStep => ({ type: "malformed", line }),
  notify: (method: string, params: unknown): TurnStep => ({ type: "notify", method, params }),
} as const;

/**
 * Splits text into `n` nearly equal chunks (at least one), at code-point boundaries, exactly as the
 * scripted model splits its deltas: `chunkText("Hello there", 3)` is `["Hel", "lo t", "here"]`.
 * Explicit chunks are returned as they are.
 */
export function chunkText(text: string, n: number | readonly string[] = 1): string[] {
  if (typeof n !== "number") return [...n];
  const points = /[\uD800-\uDFFF]/.test(text) ? Array.from(text) : undefined;
  const length = points ? points.length : text.length;
  const count = Math.max(1, Math.min(n, length));
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.floor((i * length) / count);
    const end = Math.floor(((i + 1) * length) / count);
    parts.push(points ? points.slice(start, end).join("") : text.slice(start, end));
  }
  return parts;
}

type FieldKind = "string" | "number" | "boolean" | "array" | "object" | "any";
type FieldSpec = Record<string, [kind: FieldKind | FieldKind[], required: boolean]>;

const STEP_FIELDS: Record<TurnStep["type"], FieldSpec> = {
  message: {
    text: ["string", true],
    chunks: [["number", "array"], false],
    phase: [["string", "object"], false],
    burst: ["boolean", false],
  },
  reasoning: { summary: ["string", true], chunks: [["number", "array"], false] },
  exec: {
    command: ["string", true],
    output: [["string", "array"], false],
    exitCode: ["number", false],
    cwd: ["string", false],
    approval: ["object", false],
  },
  fileChange: { changes: ["array", true], approval: ["object", false] },
  approval: {
    command: ["string", true],
    reason: ["string", false],
    availableDecisions: ["array", false],
    onAccept: ["array", true],
    onDecline: ["array", true],
  },
  waitForSteer: {},
  pause: { ms: ["number", true] },
  usage: { inputTokens: ["number", false], outputTokens: ["number", false] },
  fail: { message: ["string", true], codexErrorInfo: ["any", false] },
  hang: {},
  dropConnection: {},
  malformed: { line: ["string", true] },
  notify: { method: ["string", true], params: ["any", false] },
};

function kindOf(value: unknown): FieldKind {
  if (Array.isArray(value)) return "array";
  if (value === null) return "object";
  const type = typeof value;
  return type === "string" || type === "number" || type === "boolean" ? type : "object";
}

function checkStep(value: unknown, where: string): TurnStep {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new FakeScriptError(`${where}: a step must be an object like { "type": "message", "text": "hi" }`);
  const type = (value as { type?: unknown }).type;
  const fields = typeof type === "string" ? STEP_FIELDS[type as TurnStep["type"]] : undefined;
  if (fields === undefined)
    throw new FakeScriptError(
      `${where}: unknown step type ${JSON.stringify(type)}; expected one of ${Object.keys(STEP_FIELDS).join(", ")}`,
    );
  for (const [name, [kind, required]] of Object.entries(fields)) {
    const field = (value as Record<string, unknown>)[name];
    if (field === undefined) {
      if (required) throw new FakeScriptError(`${where}: a "${type}" step needs "${name}"`);
      continue;
    }
    const kinds = Array.isArray(kind) ? kind : [kind];
    if (!kinds.includes("any") && !kinds.includes(kindOf(field)))
      throw new FakeScriptError(`${where}.${name}: expected ${kinds.join(" or ")}, got ${kindOf(field)}`);
  }
  if (type === "approval") {
    const branches = value as { onAccept: unknown[]; onDecline: unknown[] };
    for (const [i, s] of branches.onAccept.entries()) checkStep(s, `${where}.onAccept[${i}]`);
    for (const [i, s] of branches.onDecline.entries()) checkStep(s, `${where}.onDecline[${i}]`);
  }
  if (type === "message" || type === "reasoning") {
    const { chunks } = value as { chunks?: unknown };
    const text =
      type === "message" ? (value as { text: string }).text : (value as { summary: string }).summary;
    if (typeof chunks === "number" && !(Number.isInteger(chunks) && chunks >= 1))
      throw new FakeScriptError(`${where}.chunks: must be a positive integer`);
    if (
      Array.isArray(chunks) &&
      (chunks.length === 0 || chunks.some((c) => typeof c !== "string") || chunks.join("") !== text)
    )
      throw new FakeScriptError(`${where}.chunks: explicit chunks must be strings that join to the text`);
  }
  if (type === "pause" && !((value as { ms: number }).ms >= 0))
    throw new FakeScriptError(`${where}.ms: must be a non-negative number`);
  return value as TurnStep;
}

/**
 * Checks a turn script (a `TurnScript` or a bare list of steps) and returns it as a `TurnScript`.
 * Throws {@link FakeScriptError} naming the first bad step, e.g. `turns[0].steps[2]: unknown step type`.
 */
export function checkTurnScript(value: unknown, where = "turn"): TurnScript {
  const script = Array.isArray(value) ? { steps: value } : value;
  if (typeof script !== "object" || script === null || !Array.isArray((script as TurnScript).steps))
    throw new FakeScriptError(`${where}: expected a list of steps or { "steps": [...] }`);
  const { steps, earlyNotifications } = script as TurnScript;
  if (earlyNotifications !== undefined && typeof earlyNotifications !== "boolean")
    throw new FakeScriptError(`${where}.earlyNotifications: expected boolean`);
  const { startDelayMs } = script as TurnScript;
  if (startDelayMs !== undefined && !(typeof startDelayMs === "number" && startDelayMs >= 0))
    throw new FakeScriptError(`${where}.startDelayMs: expected a number >= 0`);
  for (const [i, s] of steps.entries()) checkStep(s, `${where}.steps[${i}]`);
  return script as TurnScript;
}

/** A scripted turn: the steps the fake plays after `turn/start`, in order. Plain data (JSON-safe). */
export type TurnStep =
  | {
      type: "message";
      text: string;
      chunks?: number;
      phase?: "commentary" | "final_answer" | null;
      burst?: boolean;
    }
  | { type: "reasoning"; summary: string; chunks?: number }
  | {
      type: "exec";
      command: string;
      output?: string;
      exitCode?: number;
      cwd?: string;
      /** Ask the client first: the command runs only if it accepts. */
      approval?: { reason?: string; availableDecisions?: string[] };
    }
  | {
      type: "fileChange";
      changes: Array<{ path: string; kind?: "add" | "delete" | "update"; diff?: string }>;
      approval?: { reason?: string };
    }
  | {
      /** Ask for approval of a command and branch on the decision. */
      type: "approval";
      command: string;
      reason?: string;
      availableDecisions?: string[];
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

/** A whole turn. `earlyNotifications`: send `turn/started` before answering `turn/start`, as the real server may. */
export interface TurnScript {
  steps: TurnStep[];
  earlyNotifications?: boolean;
}

/** Builders for turn steps. */
export const step = {
  message: (
    text: string,
    options: { chunks?: number; phase?: "commentary" | "final_answer" | null; burst?: boolean } = {},
  ): TurnStep => ({
    type: "message",
    text,
    ...options,
  }),
  reasoning: (summary: string, options: { chunks?: number } = {}): TurnStep => ({
    type: "reasoning",
    summary,
    ...options,
  }),
  exec: (
    command: string,
    options: {
      output?: string;
      exitCode?: number;
      cwd?: string;
      approval?: { reason?: string; availableDecisions?: string[] };
    } = {},
  ): TurnStep => ({
    type: "exec",
    command,
    ...options,
  }),
  fileChange: (
    changes: Array<{ path: string; kind?: "add" | "delete" | "update"; diff?: string }>,
    options: { approval?: { reason?: string } } = {},
  ): TurnStep => ({
    type: "fileChange",
    changes,
    ...options,
  }),
  approval: (
    command: string,
    branches: { onAccept: TurnStep[]; onDecline: TurnStep[]; reason?: string; availableDecisions?: string[] },
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

/** Splits text into `n` nearly equal chunks (at least one). */
export function chunkText(text: string, n = 1): string[] {
  const count = Math.max(1, Math.min(n, text.length || 1));
  const size = Math.ceil(text.length / count);
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(text.slice(i * size, (i + 1) * size));
  return out.filter((c, i) => c.length > 0 || i === 0);
}

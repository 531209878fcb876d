import type {
  AccountRateLimitsUpdatedNotification,
  Thread,
  ThreadItem,
  ThreadTokenUsage,
  Turn,
  TurnError,
  UserInput,
} from "@codex-app-server/protocol";
import type { FakeIds } from "./fakeIds.js";

/** Wire payloads shaped like the real server's (codex-cli 0.171.0). */
export function makeThread(
  ids: FakeIds,
  options: { cwd: string; model: string; modelProvider: string },
): Thread {
  const id = ids.uuidv7();
  const now = ids.seconds();
  return {
    id,
    sessionId: id,
    forkedFromId: null,
    parentThreadId: null,
    preview: "",
    ephemeral: false,
    section: null,
    sectionEnteredAt: null,
    projectId: null,
    historyMode: "paginated",
    modelProvider: options.modelProvider,
    model: options.model,
    reasoningEffort: null,
    createdAt: now,
    updatedAt: now,
    recencyAt: now,
    status: { type: "idle" },
    path: null,
    cwd: options.cwd,
    cliVersion: "0.171.0",
    originator: null,
    source: "appServer",
    threadSource: null,
    agentNickname: null,
    agentRole: null,
    gitInfo: null,
    name: null,
    turns: [],
  } as Thread;
}

/**
 * A turn as the real server shows it: `turn/start` answers with `startedAt: null`; a completed turn
 * lists its last agent message (`itemsView: "summary"`); failed and interrupted turns list nothing
 * (`itemsView: "notLoaded"`).
 */
export function makeTurn(
  id: string,
  status: Turn["status"],
  items: ThreadItem[] = [],
  error: TurnError | null = null,
  startedAt: number | null = null,
): Turn {
  const done = status !== "inProgress";
  return {
    id,
    rootTurnId: id,
    items: status === "completed" ? items : [],
    itemsView: status === "completed" ? "summary" : "notLoaded",
    status,
    error,
    startedAt,
    completedAt: done ? startedAt : null,
    durationMs: done ? 0 : null,
  } as Turn;
}

export function userMessageItem(id: string, content: UserInput[]): ThreadItem {
  return { type: "userMessage", id, clientId: null, content } as ThreadItem;
}

export function agentMessageItem(
  id: string,
  text: string,
  phase: "commentary" | "final_answer" | null = null,
): ThreadItem {
  return {
    type: "agentMessage",
    id,
    text,
    phase,
    moderation: null,
    memoryCitation: null,
    delivery: null,
    questions: null,
  } as ThreadItem;
}

export function reasoningItem(id: string, summary: string[]): ThreadItem {
  return { type: "reasoning", id, summary, content: [] } as ThreadItem;
}

export function commandItem(
  id: string,
  command: string,
  cwd: string,
  status: "inProgress" | "completed" | "failed" | "declined",
  output: string | null,
  exitCode: number | null,
): ThreadItem {
  return {
    type: "commandExecution",
    id,
    command,
    cwd,
    processId: null,
    source: "agent",
    status,
    commandActions: [{ type: "unknown", command: innerCommand(command) }],
    aggregatedOutput: output,
    exitCode,
    durationMs: status === "inProgress" || status === "declined" ? null : 1,
    pluginId: null,
    scriptPath: null,
  } as unknown as ThreadItem;
}

export function fileChangeItem(
  id: string,
  changes: Array<{ path: string; kind?: "add" | "delete" | "update"; diff?: string }>,
  status: "inProgress" | "completed" | "failed" | "declined",
): ThreadItem {
  return {
    type: "fileChange",
    id,
    status,
    changes: changes.map((c) => ({
      path: c.path,
      kind: c.kind === "update" ? { type: "update", move_path: null } : { type: c.kind ?? "add" },
      diff: c.diff ?? "",
    })),
  } as unknown as ThreadItem;
}

/** The context window the real server reports for a model it has no metadata for. */
export const FALLBACK_CONTEXT_WINDOW = 258_400;

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
}

function breakdown(counts: TokenCounts) {
  return {
    totalTokens: counts.inputTokens + counts.outputTokens,
    inputTokens: counts.inputTokens,
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    outputTokens: counts.outputTokens,
    reasoningOutputTokens: 0,
  };
}

/** `total` adds up the thread's model calls; `last` is the latest one. */
export function tokenUsage(total: TokenCounts, last: TokenCounts): ThreadTokenUsage {
  return {
    total: breakdown(total),
    last: breakdown(last),
    modelContextWindow: FALLBACK_CONTEXT_WINDOW,
  } as ThreadTokenUsage;
}

/** What the real server reports after each model call when the provider sends no rate-limit headers. */
export function rateLimits(): AccountRateLimitsUpdatedNotification {
  return {
    rateLimits: {
      limitId: "codex",
      limitName: null,
      normalModelSlug: null,
      primary: null,
      secondary: null,
      credits: null,
      individualLimit: null,
      spendControlReached: null,
      planType: null,
      rateLimitReachedType: null,
    },
  };
}

/** The script inside `/bin/bash -lc '<script>'`, as the real server shows it in `commandActions`; else the command. */
export function innerCommand(command: string): string {
  const match = /^(?:\S*\/)?(?:ba|z)?sh -l?c '(.*)'$/s.exec(command);
  return match?.[1] ?? command;
}

/** The first simple command of a shell line, split into words: what the real server proposes as an execpolicy amendment. */
export function execpolicyAmendment(command: string): string[] {
  const first = innerCommand(command).split(/[;&|]/, 1)[0] ?? "";
  return first
    .trim()
    .split(/\s+/)
    .filter((word) => word.length > 0);
}

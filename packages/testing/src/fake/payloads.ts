import type {
  Thread,
  ThreadItem,
  ThreadTokenUsage,
  Turn,
  TurnError,
  UserInput,
} from "@codex-app-server/protocol";
import type { FakeIds } from "./fakeIds.js";

/** Wire payloads shaped like the real server's (codex-cli 0.169.0). */
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
    historyMode: "legacy",
    modelProvider: options.modelProvider,
    model: options.model,
    reasoningEffort: null,
    createdAt: now,
    updatedAt: now,
    recencyAt: null,
    status: { type: "idle" },
    path: null,
    cwd: options.cwd,
    cliVersion: "0.169.0",
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

export function makeTurn(
  id: string,
  status: Turn["status"],
  items: ThreadItem[] = [],
  error: TurnError | null = null,
  startedAt: number | null = null,
): Turn {
  return {
    id,
    rootTurnId: id,
    items,
    itemsView: status === "inProgress" ? "notLoaded" : "summary",
    status,
    error,
    startedAt,
    completedAt: status === "inProgress" ? null : startedAt,
    durationMs: status === "inProgress" ? null : 0,
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
    commandActions: [{ type: "unknown", command }],
    aggregatedOutput: output,
    exitCode,
    durationMs: status === "inProgress" ? null : 1,
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

export function tokenUsage(inputTokens: number, outputTokens: number): ThreadTokenUsage {
  const breakdown = {
    totalTokens: inputTokens + outputTokens,
    inputTokens,
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    outputTokens,
    reasoningOutputTokens: 0,
  };
  return { total: breakdown, last: { ...breakdown }, modelContextWindow: null } as ThreadTokenUsage;
}

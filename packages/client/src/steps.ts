import type { ThreadItem } from "@codex-app-server/protocol";

/** What kind of block a completed item is, in the vocabulary of chat UIs. */
export type StepType = "thinking" | "exec" | "codex" | "file" | "tool" | (string & {});

/** One completed, non-delta item of a turn. */
export interface ConversationStep {
  stepType: StepType;
  threadId: string;
  turnId: string;
  itemId: string;
  itemType: ThreadItem["type"];
  /** A readable rendering of the item: the answer, the reasoning summary, the command and its output... */
  text: string;
  /** The full item as the server sent it. */
  item: ThreadItem;
}

const STEP_TYPES: Record<string, StepType> = {
  reasoning: "thinking",
  commandExecution: "exec",
  agentMessage: "codex",
  fileChange: "file",
  mcpToolCall: "tool",
};

/** Items that are not steps: the echo of the user's own message. */
export function isStepItem(item: ThreadItem): boolean {
  return item.type !== "userMessage";
}

export function toConversationStep(item: ThreadItem, threadId: string, turnId: string): ConversationStep {
  return {
    stepType: STEP_TYPES[item.type] ?? item.type,
    threadId,
    turnId,
    itemId: item.id,
    itemType: item.type,
    text: stepText(item),
    item,
  };
}

function stepText(item: ThreadItem): string {
  const i = item as Record<string, unknown>;
  switch (item.type) {
    case "agentMessage":
    case "plan":
      return String(i.text ?? "");
    case "reasoning": {
      const summary = Array.isArray(i.summary) ? (i.summary as string[]) : [];
      const content = Array.isArray(i.content) ? (i.content as string[]) : [];
      return (summary.length ? summary : content).join("\n");
    }
    case "commandExecution": {
      const command = String(i.command ?? "");
      const output = typeof i.aggregatedOutput === "string" ? i.aggregatedOutput : "";
      return output ? `${command}\n${output}` : command;
    }
    case "fileChange": {
      const changes = Array.isArray(i.changes) ? (i.changes as Array<{ path?: string; kind?: unknown }>) : [];
      return changes.map((c) => `${kindLabel(c.kind)} ${c.path ?? ""}`.trim()).join("\n");
    }
    case "mcpToolCall":
      return `${String(i.server ?? "")}.${String(i.tool ?? "")}`;
    default:
      return typeof i.text === "string" ? i.text : "";
  }
}

function kindLabel(kind: unknown): string {
  if (typeof kind === "string") return kind;
  if (kind && typeof kind === "object" && "type" in kind) return String((kind as { type: unknown }).type);
  return "change";
}

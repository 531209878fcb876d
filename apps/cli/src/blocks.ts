import type { ConversationStep } from "@codex-app-server/client";
import type { ThreadItem } from "@codex-app-server/protocol";
import { summarizePayload } from "./payloadSummary.js";
import type { Style } from "./terminalStyle.js";

export const INDENT = "  ";
const MAX_OUTPUT_LINES = 40;

export interface BlockOptions {
  style: Style;
  /** Add a one-line summary of the payload under the block. */
  showData: boolean;
}

type Colour = "magenta" | "yellow" | "cyan" | "green" | "blue" | "red" | "gray";

/** The coloured `[label]` that opens every block, with an optional dimmed detail after it. */
export function header(label: string, colour: Colour, style: Style, detail?: string): string {
  const tag = style.bold(style[colour](`[${label}]`));
  return detail ? `${tag} ${style.dim(detail)}` : tag;
}

/** Prefixes every line of `text`. */
export function indent(text: string, prefix = INDENT): string {
  return text
    .split("\n")
    .map((line) => `${prefix}${line}`)
    .join("\n");
}

export function dataLine(payload: unknown, style: Style): string {
  return `${INDENT}${style.dim(`data ${summarizePayload(payload)}`)}`;
}

/** A completed step as a block of lines (ending with a newline), drawn by its kind. */
export function formatStep(step: ConversationStep, options: BlockOptions): string {
  const lines = stepLines(step.item, step, options.style);
  if (options.showData) lines.push(dataLine(step.item, options.style));
  return `${lines.join("\n")}\n`;
}

function stepLines(item: ThreadItem, step: ConversationStep, s: Style): string[] {
  switch (item.type) {
    case "reasoning": {
      const text = step.text.trim();
      return [header("thinking", "magenta", s), indent(text ? s.italic(text) : s.dim("(no summary)"))];
    }
    case "commandExecution":
      return execLines(item, s);
    case "fileChange":
      return fileChangeLines(item, s);
    case "agentMessage":
      return [answerHeader(item.phase, s), indent(item.text)];
    case "mcpToolCall": {
      const lines = [header("tool", "cyan", s, `${item.server}.${item.tool} · ${item.status}`)];
      if (item.error) lines.push(indent(s.red(item.error.message)));
      return lines;
    }
    case "plan":
      return [header("plan", "cyan", s), indent(item.text)];
    default:
      return step.text.trim()
        ? [header(step.stepType, "gray", s), indent(step.text.trim())]
        : [header(step.stepType, "gray", s)];
  }
}

/** `[codex]`, the header of the agent's answer (streamed or drawn whole). */
export function answerHeader(phase: string | null | undefined, s: Style): string {
  return header("codex", "green", s, phase === "commentary" ? "commentary" : undefined);
}

type CommandItem = Extract<ThreadItem, { type: "commandExecution" }>;
type FileChangeItem = Extract<ThreadItem, { type: "fileChange" }>;

/**
 * A declined command never ran: no exit code, no duration, no output. One that ran and is reported
 * `declined` all the same was stopped (a timeout, for one): it is not shown as declined.
 */
function ranAnyway(item: CommandItem): boolean {
  return (
    item.status === "declined" &&
    (typeof item.exitCode === "number" || typeof item.durationMs === "number" || !!item.aggregatedOutput)
  );
}

function execLines(item: CommandItem, s: Style): string[] {
  const stopped = ranAnyway(item);
  const detail: string[] = [stopped ? "stopped" : item.status];
  if (typeof item.exitCode === "number") detail.push(`exit ${item.exitCode}`);
  if (typeof item.durationMs === "number") detail.push(`${item.durationMs} ms`);
  const failed =
    stopped || item.status === "failed" || (typeof item.exitCode === "number" && item.exitCode !== 0);
  const lines = [
    header("exec", failed ? "red" : "yellow", s, detail.join(" · ")),
    `${INDENT}${s.bold("$")} ${item.command}`,
    `${INDENT}${s.dim(`cwd ${item.cwd}`)}`,
  ];
  if (item.status === "declined" && !stopped) {
    lines.push(`${INDENT}${s.dim("(declined: the command did not run)")}`);
    return lines;
  }
  if (stopped)
    lines.push(
      `${INDENT}${s.dim("(stopped before it finished, by a timeout for one; it was not declined)")}`,
    );
  const output = (item.aggregatedOutput ?? "").replace(/\n$/, "");
  if (output === "") {
    lines.push(`${INDENT}${s.dim("(no output)")}`);
    return lines;
  }
  const outputLines = output.split("\n");
  for (const line of outputLines.slice(0, MAX_OUTPUT_LINES)) lines.push(`${INDENT}${s.dim("│")} ${line}`);
  if (outputLines.length > MAX_OUTPUT_LINES) {
    lines.push(`${INDENT}${s.dim(`│ … ${outputLines.length - MAX_OUTPUT_LINES} more lines`)}`);
  }
  return lines;
}

function fileChangeLines(item: FileChangeItem, s: Style): string[] {
  const lines = [header("file changes", "cyan", s, item.status)];
  if (item.changes.length === 0) lines.push(`${INDENT}${s.dim("(no files)")}`);
  for (const change of item.changes) {
    const kind = change.kind.type;
    const moved = change.kind.type === "update" && change.kind.move_path ? ` → ${change.kind.move_path}` : "";
    const counts = lineCounts(kind, change.diff);
    lines.push(`${INDENT}${kind.padEnd(7)} ${change.path}${moved}${counts ? ` ${s.dim(counts)}` : ""}`);
  }
  return lines;
}

/** `(+3 -1)` from a change's diff; an added file's diff is its content. */
function lineCounts(kind: string, diff: string): string {
  if (!diff) return "";
  const lines = diff.replace(/\n$/, "").split("\n");
  if (kind === "add") return `(+${lines.length})`;
  if (kind === "delete") return "";
  const added = lines.filter((l) => l.startsWith("+") && !l.startsWith("+++")).length;
  const removed = lines.filter((l) => l.startsWith("-") && !l.startsWith("---")).length;
  return added || removed ? `(+${added} -${removed})` : "";
}

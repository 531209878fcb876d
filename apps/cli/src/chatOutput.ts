import type { CancelResult, ConversationStep, TurnResult } from "@codex-app-server/client";
import type { ApprovalView } from "./approvalView.js";
import type { CliOptions } from "./cliOptions.js";

/** What the session is connected to. Never holds a token. */
export interface SessionInfo {
  mode: "stdio" | "websocket" | "demo";
  /** The server: a command line, a URL, or the demo's description. */
  server: string;
  demo?: { reason: "option" | "no-credentials"; workspace: string };
  approval: CliOptions["approval"];
  /** The prompt loop on a terminal (keys are worth a word). */
  interactive: boolean;
}

export interface ApprovalVerdict {
  decision: "accept" | "decline";
  /**
   * Who decided: the user, the `--approve` policy, the demo's default (accept), the default without
   * a terminal (decline), or nobody: a request this CLI cannot answer (an MCP form), Ctrl-C, the
   * server withdrew the request, the input ended.
   */
  by: "user" | "policy" | "demo" | "default" | "unsupported" | "interrupted" | "withdrawn" | "end-of-input";
}

export type NoticeCode =
  | "inactive"
  | "resumed"
  | "interrupting"
  | "interrupt-failed"
  | "retrying"
  | "protocol"
  | "exiting";

/** Where a chat session is drawn: blocks for people, or JSON lines for scripts. */
export interface ChatOutput {
  /** Starting or reaching the server ("starting codex app-server…"). */
  connecting(what: string): void;
  session(info: SessionInfo): void;
  threadStarted(threadId: string): void;
  /** A message the user sent (shown unless it was just typed at the prompt). */
  userMessage(user: string, text: string): void;
  turnStarted(threadId: string, turnId: string): void;
  /** What the turn is doing now (the spinner's text). */
  activity(text: string): void;
  /** A piece of the answer as it streams. */
  delta(itemId: string, delta: string): void;
  /** A completed step (an answer that streamed is only closed). */
  step(step: ConversationStep): void;
  approvalRequested(view: ApprovalView, willAsk: boolean): void;
  approvalPrompt(): string;
  questionPrompt(label: string): string;
  approvalDecided(view: ApprovalView, verdict: ApprovalVerdict): void;
  notice(code: NoticeCode, message: string): void;
  /** A turn cancelled after going quiet, with the steps that had not been read. */
  cancelled(result: CancelResult): void;
  turnEnded(result: TurnResult): void;
  error(error: unknown): void;
  /** The prompt of the interactive loop. */
  userPrompt(user: string): string;
  /** Stops any animation before someone else writes (a prompt). */
  pause(): void;
  close(): void;
}

import type { CancelResult, ConversationStep, TurnResult } from "@codex-app-server/client";
import type { ApprovalView } from "./approvalView.js";
import type { ApprovalVerdict, ChatOutput, NoticeCode, SessionInfo } from "./chatOutput.js";
import { errorCode } from "./errorText.js";

export interface JsonOutputOptions {
  stdout: NodeJS.WritableStream;
  /** Also print `delta` lines as the answer streams. */
  deltas: boolean;
}

/**
 * One JSON object per line on stdout, for scripts. Every line has a `type`: session, thread, user,
 * turn, delta (with --json-deltas), step, approval.request, approval, notice, cancelled, result, error.
 */
export class JsonOutput implements ChatOutput {
  private readonly out: NodeJS.WritableStream;
  private readonly deltas: boolean;

  constructor(options: JsonOutputOptions) {
    this.out = options.stdout;
    this.deltas = options.deltas;
  }

  connecting(_what: string): void {}

  session(info: SessionInfo): void {
    this.emit({
      type: "session",
      mode: info.mode,
      server: info.server,
      ...(info.demo ? { demo: info.demo } : {}),
      approvals: info.approval.policy,
    });
  }

  threadStarted(threadId: string): void {
    this.emit({ type: "thread", threadId });
  }

  userMessage(user: string, text: string): void {
    this.emit({ type: "user", user, text });
  }

  turnStarted(threadId: string, turnId: string): void {
    this.emit({ type: "turn", threadId, turnId });
  }

  activity(_text: string): void {}

  delta(itemId: string, delta: string): void {
    if (this.deltas) this.emit({ type: "delta", itemId, delta });
  }

  step(step: ConversationStep): void {
    this.emit(stepLine(step));
  }

  approvalRequested(view: ApprovalView, willAsk: boolean): void {
    this.emit({
      type: "approval.request",
      kind: view.kind,
      method: view.method,
      title: view.title,
      fields: Object.fromEntries(view.fields),
      params: view.params,
      ask: willAsk,
    });
  }

  approvalPrompt(): string {
    return "approve? [y/N] ";
  }

  questionPrompt(label: string): string {
    return `${label}> `;
  }

  approvalDecided(view: ApprovalView, verdict: ApprovalVerdict): void {
    this.emit({
      type: "approval",
      kind: view.kind,
      method: view.method,
      decision: verdict.decision,
      by: verdict.by,
    });
  }

  notice(code: NoticeCode, message: string): void {
    this.emit({ type: "notice", code, message });
  }

  cancelled(result: CancelResult): void {
    this.emit({
      type: "cancelled",
      threadId: result.threadId,
      turnId: result.turnId,
      wasCompleted: result.wasCompleted,
      wasInterrupted: result.wasInterrupted,
      unreadEvents: result.rawEvents.length,
      unreadSteps: result.steps.map(stepLine),
    });
  }

  turnEnded(result: TurnResult): void {
    this.emit({
      type: "result",
      threadId: result.threadId,
      turnId: result.turnId,
      status: result.status,
      finalText: result.finalResponse,
      usage: result.usage,
      error: result.error,
    });
  }

  error(error: unknown): void {
    this.emit({
      type: "error",
      code: errorCode(error) ?? "error",
      message: error instanceof Error ? error.message : String(error),
    });
  }

  userPrompt(user: string): string {
    return `${user}> `;
  }

  pause(): void {}

  close(): void {}

  private emit(line: Record<string, unknown>): void {
    this.out.write(`${JSON.stringify(line)}\n`);
  }
}

function stepLine(step: ConversationStep): Record<string, unknown> {
  return {
    type: "step",
    stepType: step.stepType,
    itemType: step.itemType,
    itemId: step.itemId,
    threadId: step.threadId,
    turnId: step.turnId,
    text: step.text,
    item: step.item,
  };
}

import type { CancelResult, ConversationStep, TurnResult } from "@codex-app-server/client";
import type { Ora } from "ora";
import ora from "ora";
import type { ApprovalView } from "./approvalView.js";
import { answerHeader, dataLine, formatStep, header, INDENT, indent } from "./blocks.js";
import type { ApprovalVerdict, ChatOutput, NoticeCode, SessionInfo } from "./chatOutput.js";
import { errorMessage } from "./errorText.js";
import type { Style } from "./terminalStyle.js";

export interface TextOutputOptions {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  style: Style;
  showData: boolean;
  /** Animate a spinner on stderr while waiting (only on a terminal). */
  spinner: boolean;
}

const WAITING = "waiting for codex…";
const STDERR_TAIL_LINES = 10;

/** Blocks for people: each completed step drawn by kind, the answer streamed live, a spinner while waiting. */
export class TextOutput implements ChatOutput {
  private readonly out: NodeJS.WritableStream;
  private readonly err: NodeJS.WritableStream;
  private readonly s: Style;
  private readonly showData: boolean;
  private readonly spinnerEnabled: boolean;
  private spinner: Ora | undefined;
  private spinnerText = WAITING;
  private turnActive = false;
  private asking = false;
  private streamingItem: string | undefined;
  private readonly streamedItems = new Set<string>();

  constructor(options: TextOutputOptions) {
    this.out = options.stdout;
    this.err = options.stderr;
    this.s = options.style;
    this.showData = options.showData;
    this.spinnerEnabled = options.spinner;
  }

  connecting(what: string): void {
    if (this.spinnerEnabled) this.startSpinner(what);
  }

  session(info: SessionInfo): void {
    const s = this.s;
    const lines: string[] = [];
    if (info.mode === "demo" && info.demo) {
      lines.push(`${s.bold("codex-chat")} ${s.dim("·")} ${s.bold(s.yellow("offline demo"))}`);
      if (info.demo.reason === "no-credentials") {
        lines.push(
          indent(
            s.yellow(
              "No credentials for a real model (OPENAI_API_KEY is not set, no codex login, no --cmd or --url).",
            ),
          ),
        );
      }
      lines.push(
        indent(
          "The real codex app-server (@openai/codex 0.171.0) runs here against a scripted stand-in model;\n" +
            "nothing leaves this machine. Set OPENAI_API_KEY (or pass --cmd/--url) to chat with a real model.",
        ),
      );
      lines.push(`${INDENT}${s.dim("workspace")}  ${info.demo.workspace}`);
    } else {
      lines.push(`${s.bold("codex-chat")} ${s.dim("·")} ${info.mode} ${s.dim(info.server)}`);
    }
    lines.push(`${INDENT}${s.dim("approvals")}  ${approvalPolicyText(info.approval)}`);
    if (info.interactive) {
      lines.push(
        `${INDENT}${s.dim("keys     ")}  Ctrl-C interrupts a turn, twice (or at the prompt) quits; Ctrl-D quits`,
      );
    }
    this.write(`${lines.join("\n")}\n`);
  }

  threadStarted(threadId: string): void {
    if (this.showData) this.write(`${this.s.dim(`thread ${threadId}`)}\n`);
  }

  userMessage(user: string, text: string): void {
    const [first = "", ...rest] = text.split("\n");
    const body = rest.length ? `\n${indent(rest.join("\n"))}` : "";
    this.write(`${header(user, "blue", this.s)} ${first}${body}\n`);
  }

  turnStarted(_threadId: string, _turnId: string): void {
    this.turnActive = true;
    this.streamedItems.clear();
    this.spinnerText = WAITING;
    this.resumeSpinner();
  }

  activity(text: string): void {
    this.spinnerText = text;
    if (this.spinner?.isSpinning) this.spinner.text = text;
  }

  delta(itemId: string, delta: string): void {
    if (this.streamingItem !== itemId) {
      this.endStream();
      this.write(`${answerHeader(undefined, this.s)}\n${INDENT}`);
      this.streamingItem = itemId;
      this.streamedItems.add(itemId);
    }
    this.write(delta.replaceAll("\n", `\n${INDENT}`));
  }

  step(step: ConversationStep): void {
    if (step.itemType === "agentMessage" && this.streamedItems.has(step.itemId)) {
      if (this.streamingItem === step.itemId) {
        this.write("\n");
        this.streamingItem = undefined;
      }
      if (this.showData) this.write(`${dataLine(step.item, this.s)}\n`);
    } else {
      this.endStream();
      this.write(formatStep(step, { style: this.s, showData: this.showData }));
    }
    this.resumeSpinner();
  }

  approvalRequested(view: ApprovalView, willAsk: boolean): void {
    this.endStream();
    this.asking = willAsk;
    const width = Math.max(0, ...view.fields.map(([label]) => label.length));
    const lines = [header("approval", "yellow", this.s, view.title)];
    for (const [label, value] of view.fields)
      lines.push(`${INDENT}${this.s.dim(label.padEnd(width))}  ${value}`);
    if (this.showData) lines.push(dataLine(view.params, this.s));
    this.write(`${lines.join("\n")}\n`);
  }

  approvalPrompt(): string {
    this.stopSpinner();
    return `${INDENT}${this.s.bold("approve?")} [y/N] `;
  }

  questionPrompt(label: string): string {
    this.stopSpinner();
    return `${INDENT}${this.s.bold(label)}> `;
  }

  approvalDecided(_view: ApprovalView, verdict: ApprovalVerdict): void {
    this.asking = false;
    const s = this.s;
    // A request the server withdrew (it timed out, or its turn ended) got no answer from us: not "declined".
    const word =
      verdict.by === "withdrawn"
        ? s.yellow("no answer")
        : verdict.decision === "accept"
          ? s.green("accepted")
          : s.red("declined");
    const why: Record<ApprovalVerdict["by"], string> = {
      user: "",
      policy: verdict.decision === "accept" ? "--approve accept" : "--approve decline",
      demo: "the demo accepts approvals; --approve ask|decline to change",
      default: "no terminal to ask on; --approve accept to allow",
      unsupported: "this kind of request cannot be answered here",
      interrupted: "Ctrl-C",
      withdrawn: "the server withdrew the request: it timed out or its turn ended",
      "end-of-input": "end of input",
    };
    const reason = why[verdict.by];
    this.write(`${INDENT}→ ${word}${reason ? ` ${s.dim(`(${reason})`)}` : ""}\n`);
    this.resumeSpinner();
  }

  notice(code: NoticeCode, message: string): void {
    this.endStream();
    const text = code === "protocol" ? this.s.dim(`note: ${message}`) : this.s.yellow(`! ${message}`);
    this.writeErr(`${text}\n`);
    this.resumeSpinner();
  }

  cancelled(result: CancelResult): void {
    this.endStream();
    const s = this.s;
    const what = result.wasCompleted
      ? "the turn had already ended"
      : "the turn went quiet and was cancelled (turn/interrupt)";
    const unread =
      result.rawEvents.length === 0
        ? "nothing was left unread"
        : `unread: ${result.steps.length} step${result.steps.length === 1 ? "" : "s"} in ${result.rawEvents.length} event${result.rawEvents.length === 1 ? "" : "s"}`;
    this.write(`${header("cancelled", "red", s, what)}\n${INDENT}${s.dim(unread)}\n`);
    for (const step of result.steps) this.write(formatStep(step, { style: s, showData: this.showData }));
  }

  turnEnded(result: TurnResult): void {
    this.turnActive = false;
    this.endStream();
    const s = this.s;
    if (result.status === "failed") {
      this.write(`${header("failed", "red", s, result.error?.message ?? "the turn failed")}\n`);
      return;
    }
    if (result.status === "interrupted") {
      this.write(`${header("interrupted", "yellow", s, "the turn was interrupted")}\n`);
      return;
    }
    const detail = ["completed"];
    const duration = result.turn?.durationMs;
    if (typeof duration === "number") detail.push(`${(duration / 1000).toFixed(1)} s`);
    const tokens = result.usage?.total.totalTokens;
    if (typeof tokens === "number") detail.push(`${tokens} tokens`);
    this.write(`${header("done", "green", s, detail.join(" · "))}\n`);
  }

  error(error: unknown): void {
    this.endStream();
    this.writeErr(`${this.s.red(`error: ${errorMessage(error)}`)}\n`);
    const stderrTail = (error as { stderrTail?: unknown } | null)?.stderrTail;
    if (typeof stderrTail === "string" && stderrTail.trim() !== "") {
      const tail = stderrTail.trimEnd().split("\n").slice(-STDERR_TAIL_LINES).join("\n");
      this.writeErr(`${this.s.dim(`last lines of the server's stderr:\n${indent(tail)}`)}\n`);
    }
  }

  userPrompt(user: string): string {
    this.stopSpinner();
    return `${this.s.bold(this.s.blue(user))} ${this.s.dim("›")} `;
  }

  pause(): void {
    this.stopSpinner();
  }

  close(): void {
    this.turnActive = false;
    this.endStream();
    this.stopSpinner();
  }

  private endStream(): void {
    if (this.streamingItem === undefined) return;
    this.streamingItem = undefined;
    this.write("\n");
  }

  private write(text: string): void {
    this.stopSpinner();
    this.out.write(text);
  }

  private writeErr(text: string): void {
    this.stopSpinner();
    this.err.write(text);
  }

  private startSpinner(text: string): void {
    this.spinner ??= ora({ stream: this.err as NodeJS.WriteStream, discardStdin: false, isEnabled: true });
    this.spinner.start(text);
  }

  private stopSpinner(): void {
    if (this.spinner?.isSpinning) this.spinner.stop();
  }

  private resumeSpinner(): void {
    if (this.spinnerEnabled && this.turnActive && !this.asking && this.streamingItem === undefined) {
      this.startSpinner(this.spinnerText);
    }
  }
}

function approvalPolicyText(approval: SessionInfo["approval"]): string {
  switch (approval.source) {
    case "demo":
      return "accepted automatically in the demo (--approve ask|decline to change)";
    case "default":
      return approval.policy === "ask"
        ? "ask (y/n) for each request"
        : "declined automatically: no terminal to ask on (--approve accept|ask to change)";
    case "option":
      return approval.policy === "ask"
        ? "ask (y/n) for each request"
        : `${approval.policy} (--approve ${approval.policy})`;
  }
}

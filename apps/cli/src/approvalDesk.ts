import type { ServerRequest } from "@codex-app-server/client";
import type { ThreadItem } from "@codex-app-server/protocol";
import { answerFor, describeRequest } from "./approvalView.js";
import type { ApprovalVerdict, ChatOutput } from "./chatOutput.js";
import type { ApprovalPolicy, CliOptions } from "./cliOptions.js";
import type { LineInput } from "./lineInput.js";

const YES = new Set(["y", "yes", "a", "accept"]);

/**
 * Answers the server's questions (approvals above all) by the `--approve` policy: asks y/n on the
 * line input, or accepts or declines on its own. Every request and its answer are shown.
 */
export class ApprovalDesk {
  private readonly policy: ApprovalPolicy;
  private readonly source: CliOptions["approval"]["source"];
  private readonly output: ChatOutput;
  private readonly input: LineInput;
  private readonly startedItems = new Map<string, ThreadItem>();
  private readonly questions = new Set<AbortController>();

  constructor(approval: CliOptions["approval"], output: ChatOutput, input: LineInput) {
    this.policy = approval.policy;
    this.source = approval.source;
    this.output = output;
    this.input = input;
  }

  /** Remembers an announced item (`item/started`), to show what a later approval is about. */
  rememberItem(item: ThreadItem): void {
    if (item.type === "commandExecution" || item.type === "fileChange") this.startedItems.set(item.id, item);
  }

  forgetItems(): void {
    this.startedItems.clear();
  }

  /** Ctrl-C: questions being asked get no answer (the request is declined). */
  abortQuestions(): void {
    for (const question of this.questions) question.abort();
  }

  /** The `onServerRequest` handler of the client. */
  async decide(request: ServerRequest): Promise<unknown> {
    // The request is handled the moment it arrives, while the turn's reader draws the events that
    // came before it asynchronously. Those are already in the turn's log (and the turn/start answer
    // before them), and drawing them takes only promise callbacks, which all run before the next
    // macrotask: waiting for one keeps the blocks in the order the server sent them.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const view = describeRequest(request, this.startedItems);
    const ask = this.policy === "ask";
    this.output.approvalRequested(view, ask);
    if (request.kind === "userInput") {
      return ask ? this.askQuestions(request) : this.settle(view, request, "decline", this.automaticBy());
    }
    if (!view.answerable) return this.settle(view, request, "decline", "unsupported");
    if (!ask)
      return this.settle(view, request, this.policy === "accept" ? "accept" : "decline", this.automaticBy());

    const { line, by } = await this.askLine(this.output.approvalPrompt(), request.signal);
    const decision = line !== null && YES.has(line.trim().toLowerCase()) ? "accept" : "decline";
    return this.settle(view, request, decision, line === null ? by : "user");
  }

  private settle(
    view: ReturnType<typeof describeRequest>,
    request: ServerRequest,
    decision: "accept" | "decline",
    by: ApprovalVerdict["by"],
  ): unknown {
    this.output.approvalDecided(view, { decision, by });
    return answerFor(request, decision);
  }

  private automaticBy(): ApprovalVerdict["by"] {
    return this.source === "demo" ? "demo" : this.source === "default" ? "default" : "policy";
  }

  private async askQuestions(request: Extract<ServerRequest, { kind: "userInput" }>): Promise<unknown> {
    const answers: Record<string, string[]> = {};
    for (const question of request.params.questions) {
      const { line, by } = await this.askLine(
        this.output.questionPrompt(question.header || question.id),
        request.signal,
      );
      if (line === null) {
        this.output.approvalDecided(describeRequest(request, this.startedItems), { decision: "decline", by });
        return request.safeDefault();
      }
      const choice = Number(line.trim());
      const option = Number.isInteger(choice) ? question.options?.[choice - 1] : undefined;
      answers[question.id] = [option ? option.label : line.trim()];
    }
    this.output.approvalDecided(describeRequest(request, this.startedItems), {
      decision: "accept",
      by: "user",
    });
    return request.answer(answers);
  }

  private async askLine(
    prompt: string,
    withdrawn: AbortSignal,
  ): Promise<{ line: string | null; by: ApprovalVerdict["by"] }> {
    const question = new AbortController();
    this.questions.add(question);
    try {
      const line = await this.input.ask(prompt, { signal: AbortSignal.any([withdrawn, question.signal]) });
      const by = withdrawn.aborted ? "withdrawn" : question.signal.aborted ? "interrupted" : "end-of-input";
      return { line, by };
    } finally {
      this.questions.delete(question);
    }
  }
}

import type { TurnScript, TurnStep } from "../../src/fake/turnScript.js";
import { step } from "../../src/fake/turnScript.js";
import { createGate } from "../../src/scriptedModel/gate.js";
import { reply } from "../../src/scriptedModel/replies.js";
import type { ScriptedModel } from "../../src/scriptedModel/scriptedModel.js";

/** What the client does while a turn runs. */
export type Interaction =
  | { kind: "approve"; decision: "accept" | "decline" }
  | { kind: "interrupt" }
  /** `turn/interrupt` as soon as `turn/start` answers: refused until the turn started, then accepted. */
  | { kind: "interruptAtOnce" }
  | { kind: "steer"; text: string };

export interface TurnExpectation {
  /** One thread per entry; with several, their turns run at the same time. */
  text: string;
  interaction?: Interaction;
  /**
   * The turn's messages, described by `describeServerMessage` (see conformance.test.ts for the filter).
   * An inner list is a group that may come in any order: messages the real server sends from tasks of
   * their own, whose order it does not keep.
   */
  sequence: Array<string | string[]>;
  status: "completed" | "failed" | "interrupted";
  /** Text of each `item/agentMessage/delta`. */
  deltas?: string[];
  /** `turn.items` of `turn/completed`: the agent message texts. */
  items: string[];
  /** The keys of the approval request's params, when there is one. */
  approvalKeys?: string[];
}

/**
 * One story, told twice: as a turn script for the fake, and as scripted model replies for the real
 * server. Both must produce the same client-visible turn.
 */
export interface Scenario {
  name: string;
  /** Turn scripts for the fake, in `turn/start` order. */
  fake: Array<TurnStep[] | TurnScript>;
  /** Sets up the scripted model behind the real server. */
  model(model: ScriptedModel): void;
  turns: TurnExpectation[];
}

const START = [
  "thread/status/changed(active)",
  "turn/started",
  "item/started(userMessage)",
  "item/completed(userMessage)",
];
const END = ["thread/tokenUsage/updated", "thread/status/changed(idle)", "turn/completed(completed)"];
const MESSAGE = ["item/started(agentMessage)", "item/agentMessage/delta", "item/completed(agentMessage)"];
const APPROVAL_KEYS = [
  "availableDecisions",
  "command",
  "commandActions",
  "cwd",
  "environmentId",
  "itemId",
  "kind",
  "proposedExecpolicyAmendment",
  "reason",
  "startedAtMs",
  "threadId",
  "turnId",
];
// The real server runs this in the workspace; the fake only reports it.
const COMMAND = "/bin/bash -lc 'touch marker'";
const HIGH_DEMAND = "We’re currently experiencing high demand, which may cause temporary errors.";

/**
 * A command that needs approval, then a message. The real server calls the model twice (the
 * command, then the answer to its output): in the fake's script the usage step stands for the end of
 * the first call.
 */
function approvalScenario(decision: "accept" | "decline", answer: string): Scenario {
  return {
    name: decision === "accept" ? "approval accepted" : "approval declined",
    fake: [
      [step.exec(COMMAND, { approval: { reason: "make a marker" } }), step.usage(), step.message(answer)],
    ],
    model: (model) =>
      model.enqueue(
        reply.execCommand({ cmd: "touch marker", justification: "make a marker" }),
        reply.message(answer),
      ),
    turns: [
      {
        text: "make a marker",
        interaction: { kind: "approve", decision },
        sequence: [
          ...START,
          "thread/status/changed(active:waitingOnApproval)",
          "item/started(commandExecution:inProgress)",
          "REQ item/commandExecution/requestApproval",
          "serverRequest/resolved",
          ...(decision === "accept"
            ? ["thread/status/changed(active)", "item/completed(commandExecution:completed)"]
            : // Sent from two tasks: either comes first (both orders seen on 0.163.0).
              [["item/completed(commandExecution:declined)", "thread/status/changed(active)"]]),
          "thread/tokenUsage/updated",
          ...MESSAGE,
          ...END,
        ],
        status: "completed",
        items: [answer],
        approvalKeys: APPROVAL_KEYS,
      },
    ],
  };
}

export const SCENARIOS: Scenario[] = [
  {
    name: "one-shot message",
    fake: [[step.message("Hello there", { chunks: 3 })]],
    model: (model) => model.enqueue(reply.message("Hello there", { chunks: 3 })),
    turns: [
      {
        text: "hi",
        sequence: [
          ...START,
          "item/started(agentMessage)",
          "item/agentMessage/delta",
          "item/agentMessage/delta",
          "item/agentMessage/delta",
          "item/completed(agentMessage)",
          ...END,
        ],
        status: "completed",
        deltas: ["Hel", "lo t", "here"],
        items: ["Hello there"],
      },
    ],
  },
  {
    name: "reasoning then message",
    fake: [[step.reasoning("thinking...", { chunks: 2 }), step.message("Done")]],
    model: (model) =>
      model.enqueue(reply.sequence(reply.reasoning("thinking...", { chunks: 2 }), reply.message("Done"))),
    turns: [
      {
        text: "think first",
        sequence: [
          ...START,
          "item/started(reasoning)",
          "item/reasoning/summaryTextDelta",
          "item/reasoning/summaryTextDelta",
          "item/completed(reasoning)",
          ...MESSAGE,
          ...END,
        ],
        status: "completed",
        deltas: ["Done"],
        items: ["Done"],
      },
    ],
  },
  approvalScenario("accept", "after"),
  approvalScenario("decline", "skipped it"),
  {
    name: "interrupt sent as soon as turn/start answers",
    // The real server needs a moment to start a turn; the fake is told to take one.
    fake: [{ steps: [step.hang()], startDelayMs: 50 }],
    model: (model) => model.enqueue(reply.hang()),
    turns: [
      {
        text: "hang at once",
        interaction: { kind: "interruptAtOnce" },
        sequence: [...START, "thread/status/changed(idle)", "turn/completed(interrupted)"],
        status: "interrupted",
        items: [],
      },
    ],
  },
  {
    name: "interrupt of a hanging turn",
    fake: [[step.hang()]],
    model: (model) => model.enqueue(reply.hang()),
    turns: [
      {
        text: "hang",
        interaction: { kind: "interrupt" },
        sequence: [...START, "thread/status/changed(idle)", "turn/completed(interrupted)"],
        status: "interrupted",
        items: [],
      },
    ],
  },
  {
    name: "failure (HTTP 500 from the model)",
    fake: [[step.fail(HIGH_DEMAND, "internalServerError")]],
    model: (model) => model.enqueue(reply.fail({ status: 500 })),
    turns: [
      {
        text: "fail please",
        sequence: [...START, "thread/status/changed(systemError)", "error", "turn/completed(failed)"],
        status: "failed",
        items: [],
      },
    ],
  },
  {
    name: "steer",
    fake: [[step.message("first"), step.waitForSteer(), step.message("after steer")]],
    // The gate holds the first response open after "first". A steer makes the real server drop that
    // response (it never completes) and call the model again with the steer's input.
    model: (model) =>
      model.enqueue(
        reply.sequence(reply.message("first"), reply.waitFor(createGate())),
        reply.message("after steer"),
      ),
    turns: [
      {
        text: "start",
        interaction: { kind: "steer", text: "steer me" },
        sequence: [
          ...START,
          ...MESSAGE,
          "item/started(userMessage)",
          "item/completed(userMessage)",
          ...MESSAGE,
          ...END,
        ],
        status: "completed",
        deltas: ["first", "after steer"],
        items: ["after steer"],
      },
    ],
  },
  {
    name: "two concurrent turns (two threads)",
    fake: [[step.message("echo A", { chunks: 2 })], [step.message("echo B", { chunks: 2 })]],
    // Requests race on the real server: answer each from its own input instead of a queue.
    model: (model) =>
      model.setFallback((request) => reply.message(`echo ${request.lastUserText}`, { chunks: 2 })),
    turns: [
      {
        text: "A",
        sequence: [
          ...START,
          "item/started(agentMessage)",
          "item/agentMessage/delta",
          "item/agentMessage/delta",
          "item/completed(agentMessage)",
          ...END,
        ],
        status: "completed",
        deltas: ["ech", "o A"],
        items: ["echo A"],
      },
      {
        text: "B",
        sequence: [
          ...START,
          "item/started(agentMessage)",
          "item/agentMessage/delta",
          "item/agentMessage/delta",
          "item/completed(agentMessage)",
          ...END,
        ],
        status: "completed",
        deltas: ["ech", "o B"],
        items: ["echo B"],
      },
    ],
  },
];

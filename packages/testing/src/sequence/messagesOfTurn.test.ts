import { describe, expect, it } from "vitest";
import { describeServerMessage } from "./describeServerMessage.js";
import { messagesOfTurn } from "./messagesOfTurn.js";

const messages = [
  { id: 7, result: {} },
  { method: "thread/started", params: { thread: { id: "t1" } } },
  { method: "configWarning", params: { summary: "s" } },
  { method: "turn/started", params: { threadId: "t1", turn: { id: "u1" } } },
  {
    method: "thread/status/changed",
    params: { threadId: "t1", status: { type: "active", activeFlags: [] } },
  },
  { method: "item/started", params: { threadId: "t1", turnId: "u2", item: { type: "agentMessage" } } },
  { method: "item/started", params: { threadId: "t2", turnId: "u3", item: { type: "agentMessage" } } },
  { method: "warning", params: { threadId: "t1", message: "m" } },
  { id: 0, method: "item/fileChange/requestApproval", params: { threadId: "t1", turnId: "u1" } },
  { method: "turn/completed", params: { threadId: "t1", turn: { id: "u1", status: "failed" } } },
];

describe("messagesOfTurn", () => {
  it("keeps a thread's messages, and with a turn id only that turn's and thread-level ones", () => {
    expect(messagesOfTurn(messages, { threadId: "t1" }).map(describeServerMessage)).toEqual([
      "thread/started",
      "turn/started",
      "thread/status/changed(active)",
      "item/started(agentMessage)",
      "warning",
      "REQ item/fileChange/requestApproval",
      "turn/completed(failed)",
    ]);
    expect(
      messagesOfTurn(messages, { threadId: "t1", turnId: "u1", ignore: ["warning", "thread/started"] }).map(
        describeServerMessage,
      ),
    ).toEqual([
      "turn/started",
      "thread/status/changed(active)",
      "REQ item/fileChange/requestApproval",
      "turn/completed(failed)",
    ]);
  });
});

describe("describeServerMessage", () => {
  it("adds the detail that tells similar messages apart", () => {
    expect(
      [
        {
          method: "thread/status/changed",
          params: { status: { type: "active", activeFlags: ["waitingOnApproval"] } },
        },
        { method: "thread/status/changed", params: { status: { type: "idle" } } },
        { method: "item/completed", params: { item: { type: "commandExecution", status: "declined" } } },
        { method: "turn/completed", params: { turn: { status: "interrupted" } } },
        { method: "item/commandExecution/requestApproval", id: 3, params: {} },
        { method: "custom/thing" },
      ].map(describeServerMessage),
    ).toEqual([
      "thread/status/changed(active:waitingOnApproval)",
      "thread/status/changed(idle)",
      "item/completed(commandExecution:declined)",
      "turn/completed(interrupted)",
      "REQ item/commandExecution/requestApproval",
      "custom/thing",
    ]);
  });
});

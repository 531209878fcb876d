import type { ThreadItem, Turn } from "@codex-app-server/protocol";
import { describe, expect, it } from "vitest";
import { agentMessageItem } from "../test/threadItems.js";
import { TurnRecovery } from "./turnRecovery.js";
import type { ServerNotification } from "./turnTypes.js";

const threadId = "thr";
const turnId = "trn";

const message = agentMessageItem;

const user = { type: "userMessage", id: "u1", clientId: null, content: [] } as unknown as ThreadItem;

function turnOf(items: ThreadItem[], status: Turn["status"] = "inProgress"): Turn {
  return { id: turnId, items, status, error: null } as unknown as Turn;
}

const n = {
  started: (item: ThreadItem) =>
    ({ method: "item/started", params: { threadId, turnId, item } }) as ServerNotification,
  delta: (itemId: string, delta: string) =>
    ({
      method: "item/agentMessage/delta",
      params: { threadId, turnId, itemId, delta },
    }) as ServerNotification,
  completed: (item: ThreadItem) =>
    ({ method: "item/completed", params: { threadId, turnId, item } }) as ServerNotification,
};

/** A recovery and what it lets through to the turn, in order. */
function recovery(state: {
  started: string[];
  completed: string[];
  streamingItemId: string | null;
  streamedChars: number;
}) {
  const delivered: ServerNotification[] = [];
  const r = new TurnRecovery({ threadId, turnId, ...state, started: new Set(state.started) });
  const deliver = (notification: ServerNotification) => {
    if (r.admit(notification, deliver)) delivered.push(notification);
  };
  const describe = () =>
    delivered.map((d) =>
      d.method === "item/agentMessage/delta"
        ? `delta ${d.params.itemId} ${d.params.delta}`
        : `${d.method} ${"item" in d.params ? (d.params.item as ThreadItem).id : ""}`.trim(),
    );
  return { r, deliver, delivered, describe };
}

describe("TurnRecovery", () => {
  it("fills in the end of a message that streamed across the cut, and drops the live deltas of the gap", () => {
    // Delivered before the cut: the user message, and "Hello, " of m1.
    const t = recovery({ started: ["u1", "m1"], completed: ["u1"], streamingItemId: "m1", streamedChars: 7 });
    // Arrived before the thread/resume answer: held.
    t.deliver(n.delta("m1", "wor"));
    expect(t.delivered).toEqual([]);
    t.r.reattach(turnOf([user]), t.deliver);
    t.deliver(n.delta("m1", "ld"));
    t.deliver(n.completed(message("m1", "Hello, world")));
    expect(t.describe()).toEqual(["delta m1 world", "item/completed m1"]);
  });

  it("delivers items that completed meanwhile once (by id), with item/started when it was never seen", () => {
    const t = recovery({ started: ["u1", "m1"], completed: ["u1"], streamingItemId: "m1", streamedChars: 3 });
    t.r.reattach(turnOf([user, message("m1", "One two"), message("m2", "Three")], "completed"), t.deliver);
    // The server's own late copies are dropped.
    t.deliver(n.completed(message("m2", "Three")));
    t.deliver(n.started(message("m2", "")));
    expect(t.describe()).toEqual([
      "delta m1  two",
      "item/completed m1",
      "item/started m2",
      "delta m2 Three",
      "item/completed m2",
      "turn/completed",
    ]);
  });

  it("a message that started while detached: its deltas wait for its item/completed, which brings the text", () => {
    const t = recovery({ started: ["u1"], completed: ["u1"], streamingItemId: null, streamedChars: 0 });
    t.r.reattach(turnOf([user]), t.deliver);
    t.deliver(n.delta("m9", "tail"));
    t.deliver(n.completed(message("m9", "head and tail")));
    expect(t.describe()).toEqual(["item/started m9", "delta m9 head and tail", "item/completed m9"]);
  });

  it("items after the resume pass as they come", () => {
    const t = recovery({ started: ["u1"], completed: ["u1"], streamingItemId: null, streamedChars: 0 });
    t.r.reattach(turnOf([user]), t.deliver);
    t.deliver(n.started(message("m2", "")));
    t.deliver(n.delta("m2", "a"));
    t.deliver(n.delta("m2", "b"));
    t.deliver(n.completed(message("m2", "ab")));
    expect(t.describe()).toEqual(["item/started m2", "delta m2 a", "delta m2 b", "item/completed m2"]);
  });

  it("0.163 numbers the resumed items: matched by position, the streaming message keeps its live id", () => {
    const t = recovery({ started: ["u1", "m1"], completed: ["u1"], streamingItemId: "m1", streamedChars: 4 });
    const renumbered = [
      { ...user, id: "item-1" } as ThreadItem,
      message("item-2", "Four five"),
      message("item-3", "Six"),
    ];
    t.r.reattach(turnOf(renumbered), t.deliver);
    expect(t.describe()).toEqual([
      "delta m1  five",
      "item/completed m1",
      "item/started item-3",
      "delta item-3 Six",
      "item/completed item-3",
    ]);
  });

  it("a second cut: what the first recovery delivered is not delivered again", () => {
    const t = recovery({ started: ["u1", "m1"], completed: ["u1"], streamingItemId: "m1", streamedChars: 2 });
    t.r.reattach(turnOf([user, message("m1", "abcd")]), t.deliver);
    t.r.detachedAgain(null, 0);
    t.r.reattach(turnOf([user, message("m1", "abcd"), message("m2", "ef")], "completed"), t.deliver);
    expect(t.describe()).toEqual([
      "delta m1 cd",
      "item/completed m1",
      "item/started m2",
      "delta m2 ef",
      "item/completed m2",
      "turn/completed",
    ]);
  });
});

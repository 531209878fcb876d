import { step } from "@codex-app-server/testing";
import { describe, expect, it } from "vitest";
import type { ServerNotification } from "../src/index.js";
import { connectToFake } from "./support.js";

describe("observing notifications", () => {
  it("onNotification sees every notification in order, turn-routed ones included, and unsubscribes", async () => {
    await using t = connectToFake({ turns: [[step.message("hi", { chunks: 2 })], [step.message("again")]] });
    const seen: string[] = [];
    const off = t.client.onNotification((n) => seen.push(n.method));
    const first = await t.client.chatOnce("one");
    expect(seen).toContain("thread/started");
    expect(seen.filter((m) => m === "item/agentMessage/delta")).toHaveLength(2);
    expect(seen.indexOf("turn/started")).toBeLessThan(seen.indexOf("turn/completed"));
    off();
    const before = seen.length;
    await t.client.chatOnce("two", { threadId: first.threadId });
    expect(seen.length).toBe(before);
  });

  it("notifications() streams from now on and ends when the client closes", async () => {
    const t = connectToFake({ turns: [[step.message("x")]] });
    const stream = t.client.notifications();
    const collected: ServerNotification[] = [];
    const reading = (async () => {
      for await (const n of stream) collected.push(n);
    })();
    await t.client.chatOnce("go");
    await t.client.close();
    await reading;
    expect(collected.map((n) => n.method)).toContain("turn/completed");
    await t.server.close();
  });

  it("notifications() ends with an abort error when its signal aborts", async () => {
    await using t = connectToFake();
    const controller = new AbortController();
    const stream = t.client.notifications({ signal: controller.signal });
    const pending = stream.next();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "aborted" });
  });
});

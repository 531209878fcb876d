import { FakeAppServer, step } from "@codex-app-server/testing";
import { describe, expect, it } from "vitest";
import { CodexClient } from "../src/index.js";

describe("smoke", () => {
  it("chatOnce against the fake", async () => {
    const { server, transport } = FakeAppServer.inMemory({
      turns: [[step.reasoning("hmm"), step.message("Hello there", { chunks: 3 })]],
    });
    const errors: Error[] = [];
    await using client = new CodexClient(transport, { validation: "strict", onError: (e) => errors.push(e) });
    const result = await client.chatOnce("hi");
    expect(result.finalText).toBe("Hello there");
    expect(result.status).toBe("completed");
    expect(result.completionSource).toBe("item_completed");
    expect(errors).toEqual([]);
    expect(server.requests().map((r) => r.method)).toEqual(["initialize", "thread/start", "turn/start"]);
  });
});

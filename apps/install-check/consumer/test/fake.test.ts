import { CodexClient } from "@codex-app-server/client";
import { step } from "@codex-app-server/testing";
import { expectSequence, useFakeAppServer } from "@codex-app-server/testing/vitest";
import { expect, it } from "vitest";

const fake = useFakeAppServer({ turns: [[step.message("Hello from the fake", { chunks: 3 })]] });

it("a downstream vitest suite chats with the fake", async () => {
  const client = new CodexClient(fake().transport);
  await client.initialize();
  const result = await client.chatOnce("hi");
  expect(result.finalText).toBe("Hello from the fake");
  expectSequence(fake().server.sent, ["turn/started", "item/agentMessage/delta"], { partial: true });
  await client.close();
});

// A downstream node:test suite in plain JavaScript (Node 20: no `await using`).
import assert from "node:assert/strict";
import { test } from "node:test";
import { CodexClient } from "@codex-app-server/client";
import { startFakeAppServer, step } from "@codex-app-server/testing";

test("a downstream node:test suite chats with the fake", async () => {
  const fake = startFakeAppServer({ turns: [[step.message("Hello from the fake")]] });
  const client = new CodexClient(fake.transport);
  try {
    await client.initialize();
    const result = await client.chatOnce("hi");
    assert.equal(result.finalText, "Hello from the fake");
    assert.deepEqual(fake.server.errors, []);
  } finally {
    await client.close();
    await fake.close();
  }
});

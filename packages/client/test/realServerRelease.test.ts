import { SUPPORTED_CODEX_RANGE } from "@codex-app-server/protocol";
import { startRealAppServer } from "@codex-app-server/testing";
import { StdioTransport } from "@codex-app-server/transport/stdio";
import { expect, it } from "vitest";
import { CodexClient } from "../src/index.js";

// Runs in both vitest projects: on the pinned release, and with CODEX_TEST_VERSION on the oldest one.
const expected = process.env.CODEX_TEST_VERSION ?? SUPPORTED_CODEX_RANGE.newest;

it(`talks to the real codex ${expected}, reads its version, and warns of nothing`, async () => {
  await using server = await startRealAppServer({ transport: "stdio" });
  expect(server.codexVersion?.text).toBe(expected);
  const errors: Error[] = [];
  const client = new CodexClient(new StdioTransport(server.stdioOptions), {
    validation: "strict",
    onError: (error) => errors.push(error),
  });
  try {
    await client.initialize();
    expect(client.serverVersion?.text).toBe(expected);
    const result = await client.chatOnce("Say hi.");
    expect(result.finalText).toBe("ok");
    expect(errors).toEqual([]);
  } finally {
    await client.close();
  }
});

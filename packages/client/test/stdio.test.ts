import { ConnectionClosedError } from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import { CodexClient } from "../src/index.js";

describe("connectStdio", () => {
  it("a server that dies at startup fails with its exit code and stderr tail", async () => {
    const error = await CodexClient.connectStdio({
      command: "sh",
      args: ["-c", "echo boom >&2; exit 3"],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    const closed = error as ConnectionClosedError;
    expect(closed.exitCode).toBe(3);
    expect(closed.stderrTail).toContain("boom");
    expect(closed.message).toMatch(/exit(ed)? .*3/);
  });
});

import { execFileSync } from "node:child_process";
import { SUPPORTED_CODEX_RANGE } from "@codex-app-server/protocol";
import { describe, expect, it } from "vitest";
import { findCodexBinary, resolveCodexCommand } from "./resolveCodexCommand.js";

describe("resolveCodexCommand", () => {
  it("prefers options.command, with app-server and the extra args", () => {
    const resolved = resolveCodexCommand({
      command: "/opt/codex",
      extraArgs: ["-c", "x=1"],
      env: { CODEX_APP_SERVER_CMD: "ignored" },
    });
    expect(resolved).toEqual({ command: "/opt/codex", args: ["app-server", "-c", "x=1"], source: "option" });
  });

  it("uses CODEX_APP_SERVER_CMD as a whole command line", () => {
    const resolved = resolveCodexCommand({
      env: { CODEX_APP_SERVER_CMD: `node "fake server.js" --x` },
      extraArgs: ["--y"],
    });
    expect(resolved).toEqual({ command: "node", args: ["fake server.js", "--x", "--y"], source: "env" });
  });

  it("lets options.args replace the arguments", () => {
    expect(
      resolveCodexCommand({
        env: { CODEX_APP_SERVER_CMD: "codex app-server" },
        args: ["app-server", "--stdio"],
      }),
    ).toEqual({ command: "codex", args: ["app-server", "--stdio"], source: "env" });
  });

  it("falls back to the installed @openai/codex native binary", () => {
    const resolved = resolveCodexCommand({ env: {} });
    expect(resolved.source).toBe("package");
    expect(resolved.args).toEqual(["app-server"]);
    expect(resolved.command).toMatch(/\/vendor\/[^/]+\/bin\/codex(\.exe)?$/);
    // The pinned release: the newest end of the supported range.
    expect(execFileSync(resolved.command, ["--version"], { encoding: "utf8" })).toContain(
      SUPPORTED_CODEX_RANGE.newest,
    );
    expect(findCodexBinary()).toBe(resolved.command);
  });
});

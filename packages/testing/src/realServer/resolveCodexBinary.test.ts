import { execFileSync } from "node:child_process";
import { SUPPORTED_CODEX_RANGE } from "@codex-app-server/protocol";
import { describe, expect, it } from "vitest";
import { RealAppServerError } from "./errors.js";
import { resolveCodexBinary } from "./resolveCodexBinary.js";

describe("resolveCodexBinary", () => {
  it("finds the native binary of the pinned @openai/codex", () => {
    const binary = resolveCodexBinary();
    expect(binary).toMatch(/vendor\/[^/]+\/bin\/codex(\.exe)?$/);
    expect(execFileSync(binary, ["--version"], { encoding: "utf8" }).trim()).toBe(
      `codex-cli ${SUPPORTED_CODEX_RANGE.newest}`,
    );
  });

  it("finds the binary of the oldest supported release, installed as the npm alias codex-<version>", () => {
    const binary = resolveCodexBinary({ version: SUPPORTED_CODEX_RANGE.oldest });
    expect(binary).not.toBe(resolveCodexBinary());
    expect(execFileSync(binary, ["--version"], { encoding: "utf8" }).trim()).toBe(
      `codex-cli ${SUPPORTED_CODEX_RANGE.oldest}`,
    );
    // The pinned release is @openai/codex itself.
    expect(resolveCodexBinary({ version: SUPPORTED_CODEX_RANGE.newest })).toBe(resolveCodexBinary());
  });

  it.each([
    [{ platform: "aix", arch: "ppc64" } as const, "ships no binary for aix-ppc64"],
    [
      { platform: process.platform === "darwin" ? "linux" : "darwin", arch: "arm64" } as const,
      "is installed but its binary for",
    ],
  ])("refuses clearly when there is no binary for the platform (%o)", (options, message) => {
    let caught: unknown;
    try {
      resolveCodexBinary(options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RealAppServerError);
    expect(caught).toMatchObject({
      code: "codex_binary_not_found",
      message: expect.stringContaining(message),
    });
  });
});

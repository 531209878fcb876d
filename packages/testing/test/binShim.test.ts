import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const shim = fileURLToPath(new URL("../bin/codex-fake-app-server.js", import.meta.url));

/** The bin is a committed file, so that installing an unbuilt workspace links it without a warning. */
describe("the codex-fake-app-server bin", () => {
  it("runs the built server", async () => {
    const { stdout } = await run(process.execPath, [shim, "--help"]);
    expect(stdout).toMatch(/^usage: codex-fake-app-server/);
  });
});

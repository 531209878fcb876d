import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const shim = fileURLToPath(new URL("../bin/codex-fake-app-server.js", import.meta.url));

/** The bin is a committed file, so that installing an unbuilt workspace links it without a warning. */
describe("the codex-fake-app-server bin", () => {
  it("is the package's bin, a committed file, and runs the built server", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      bin: Record<string, string>;
    };
    expect(pkg.bin).toEqual({ "codex-fake-app-server": "./bin/codex-fake-app-server.js" });
    const { stdout } = await run(process.execPath, [shim, "--help"]);
    expect(stdout).toMatch(/^usage: codex-fake-app-server/);
  });
});

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseUserAgentVersion, SUPPORTED_CODEX_RANGE } from "@codex-app-server/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { reply } from "../scriptedModel/replies.js";
import { ScriptedModel } from "../scriptedModel/scriptedModel.js";
import { liveAppServerPids } from "./appServerProcess.js";
import { installedCodexReleases, selectCodexRelease } from "./codexRelease.js";
import { RealAppServerError } from "./errors.js";
import { resolveCodexBinary } from "./resolveCodexBinary.js";
import { startRealAppServer } from "./startRealAppServer.js";
import {
  initialize,
  RawRpcClient,
  startThread,
  startTurn,
  stdioChannel,
} from "./testSupport/rawRpcClient.js";

const { oldest, newest } = SUPPORTED_CODEX_RANGE;
const stubs = mkdtempSync(join(tmpdir(), "codex-stub-"));

afterAll(() => {
  rmSync(stubs, { recursive: true, force: true });
  expect(liveAppServerPids()).toEqual([]);
});

/** A stand-in `codex` that only answers `--version`. */
function stubReporting(version: string): string {
  const path = join(stubs, `codex-${version}`);
  writeFileSync(path, `#!/bin/sh\necho "codex-cli ${version}"\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("choosing the codex release", () => {
  it("installs both ends of the supported range (the pin and the codex-<oldest> npm alias)", () => {
    expect(installedCodexReleases()).toEqual([oldest, newest]);
  });

  it("defaults to the pinned @openai/codex, checked to report the newest supported version", async () => {
    const release = await selectCodexRelease({ env: {} });
    expect(release).toMatchObject({ source: "pinned", command: resolveCodexBinary() });
    expect(release.version?.text).toBe(newest);
  });

  it("takes a release by option or by CODEX_TEST_VERSION, and a binary by CODEX_APP_SERVER_BIN", async () => {
    const byOption = await selectCodexRelease({ codexVersion: oldest, env: {} });
    expect(byOption).toMatchObject({
      source: "codexVersion",
      command: resolveCodexBinary({ version: oldest }),
    });
    expect(byOption.version?.text).toBe(oldest);
    expect(byOption.command).not.toBe(resolveCodexBinary());

    const byEnv = await selectCodexRelease({ env: { CODEX_TEST_VERSION: oldest } });
    expect(byEnv).toMatchObject({ source: "CODEX_TEST_VERSION", command: byOption.command });

    const byBin = await selectCodexRelease({
      env: { CODEX_APP_SERVER_BIN: byOption.command, CODEX_TEST_VERSION: newest },
    });
    expect(byBin).toMatchObject({ source: "CODEX_APP_SERVER_BIN", command: byOption.command });
    expect(byBin.version?.text).toBe(oldest);
  });

  it("refuses a release that is not installed, and one outside the supported range", async () => {
    await expect(selectCodexRelease({ env: { CODEX_TEST_VERSION: "0.170.0" } })).rejects.toMatchObject({
      code: "codex_binary_not_found",
      message: expect.stringContaining("codex-0.170.0"),
    });
    const tooOld = stubReporting("0.150.0");
    const refused = await selectCodexRelease({ env: { CODEX_APP_SERVER_BIN: tooOld } }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(RealAppServerError);
    expect(refused).toMatchObject({
      code: "unsupported_codex_version",
      message: expect.stringContaining(`codex-cli 0.150.0, outside the supported ${oldest} to ${newest}`),
    });
    await expect(selectCodexRelease({ codexCommand: stubReporting("9.0.0") })).rejects.toMatchObject({
      code: "unsupported_codex_version",
    });
    const allowed = await selectCodexRelease({
      env: { CODEX_APP_SERVER_BIN: tooOld },
      allowUnsupportedVersion: true,
    });
    expect(allowed.version?.text).toBe("0.150.0");
  });

  it("takes a codexCommand that reports no version as it is (a stand-in script)", async () => {
    const release = await selectCodexRelease({ codexCommand: ["/bin/sh", "-c", "exit 0", "sh"] });
    expect(release).toMatchObject({ source: "codexCommand", command: "/bin/sh", version: undefined });
  });
});

describe.each(installedCodexReleases())("startRealAppServer on codex %s", (version) => {
  it("starts it, checks its configuration, and runs a turn against the scripted model", async () => {
    await using server = await startRealAppServer({ codexVersion: version });
    expect(server.codexVersion?.text).toBe(version);
    server.model.enqueue(reply.message(`hello from ${version}`));
    const child = await server.spawn();
    const client = new RawRpcClient(stdioChannel(child));
    const init = await initialize(client);
    expect(parseUserAgentVersion(String(init.userAgent))?.text).toBe(version);
    const threadId = await startThread(client);
    const from = client.received.length;
    await startTurn(client, threadId, "hi");
    const completed = await client.waitForNotification("turn/completed", from);
    expect(completed.params).toMatchObject({ turn: { status: "completed" } });
    expect(server.model.requests.length).toBeGreaterThan(0);
  });

  it("refuses an unknown config key and a config codex cannot load, so it never falls back to OpenAI", async () => {
    await using model = await ScriptedModel.start();
    await expect(
      startRealAppServer({ codexVersion: version, model, config: { no_such_setting: 1 } }),
    ).rejects.toMatchObject({
      code: "invalid_config",
      message: expect.stringContaining("no_such_setting"),
    });
    await expect(
      startRealAppServer({ codexVersion: version, model, config: "this is [not toml" }),
    ).rejects.toMatchObject({ code: "invalid_config" });
    expect(model.requests).toEqual([]);
  });
});

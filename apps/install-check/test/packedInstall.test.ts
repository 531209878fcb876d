import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeAppServer, step } from "@codex-app-server/testing";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBrowserApp } from "../src/browserApp.js";
import { browserTurnInTab, launchChromium } from "../src/chromium.js";
import { createConsumer, packAll, RESOLUTIONS, type Resolution } from "../src/consumerProject.js";
import { PUBLISHED_PACKAGES } from "../src/entries.js";
import { startPageServer } from "../src/pageServer.js";

/**
 * The packages as users get them: packed, installed with npm into a fresh project, and used there.
 * Needs the packages built (turbo's test task builds them first) and the npm registry for TypeScript,
 * vitest and esbuild; the tarballs are local.
 */
let work: string;
let consumer: string;
let tarballs: string[];

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { cwd: consumer, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "codex-packed-"));
  consumer = join(work, "consumer");
  tarballs = packAll(join(work, "tarballs"));
  createConsumer(consumer, tarballs);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("packed, installed with npm into a fresh project", () => {
  it("every package is packed", () => {
    expect(tarballs.map((file) => file.replace(/.*codex-app-server-(\w+)-.*/, "$1")).sort()).toEqual(
      [...PUBLISHED_PACKAGES].sort(),
    );
  });

  it.each(
    Object.keys(RESOLUTIONS) as Resolution[],
  )("a strict consumer type-checks with moduleResolution %s, skipLibCheck off", (resolution) => {
    expect(() => run("npx", ["tsc", "-p", `tsconfig.${resolution}.json`])).not.toThrow();
  });

  it("CommonJS require finds every entry that ships CommonJS", () => {
    const script =
      "for (const e of ['client','client/node','protocol','protocol/schemas','protocol/errors','transport','transport/stdio'," +
      "'transport/websocket','transport/unix','testing']) require('@codex-app-server/' + e); console.log('ok')";
    expect(run("node", ["--input-type=commonjs", "-e", script]).trim()).toBe("ok");
  });

  it("testing/vitest ships ESM only: require refuses it, import loads it", () => {
    const required = "try { require('@codex-app-server/testing/vitest') } catch (e) { console.log(e.code) }";
    expect(run("node", ["--input-type=commonjs", "-e", required]).trim()).toBe(
      "ERR_PACKAGE_PATH_NOT_EXPORTED",
    );
    const imported =
      "const m = await import('@codex-app-server/testing/vitest'); console.log(typeof m.useFakeAppServer)";
    expect(run("node", ["--input-type=module", "-e", imported]).trim()).toBe("function");
  });

  it("a downstream vitest suite uses the fake", () => {
    expect(run("npx", ["vitest", "run", "test/fake.test.ts"])).toMatch(/1 passed/);
  });

  it("a downstream node:test suite in plain JavaScript uses the fake", () => {
    expect(run("node", ["--test", "test/fake.node-test.mjs"])).toMatch(/# pass 1/);
  });

  it("bundles for Node and the bundle runs a turn over stdio against the fake's bin", async () => {
    await build({
      entryPoints: [join(consumer, "src/nodeMain.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      packages: "external",
      outfile: join(consumer, "out/nodeMain.js"),
      logLevel: "silent",
    });
    expect(run("node", ["out/nodeMain.js"]).trim()).toBe("answer: ok");
  });

  it("bundles for the browser and the bundle runs a whole turn in headless Chromium", async () => {
    const app = await buildBrowserApp(join(consumer, "src/browserTurn.ts"), join(consumer, "out/browser"));
    const answer = "Hello, browser, from the packed packages.";
    await using fake = await FakeAppServer.listen({ turns: [[step.message(answer, { chunks: 3 })]] });
    await using page = await startPageServer(app.dir, { url: fake.url, headers: fake.headers });
    await using browser = await launchChromium();
    const report = await browserTurnInTab(browser, page.origin, page.proxyUrl, "hi");
    expect(report).toEqual({ deltas: answer, finalResponse: answer, status: "completed" });
  });
});

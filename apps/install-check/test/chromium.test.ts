import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FakeAppServer, step } from "@codex-app-server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserApp, buildBrowserApp } from "../src/browserApp.js";
import { browserTurnInTab, launchChromium } from "../src/chromium.js";
import { startPageServer } from "../src/pageServer.js";

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/**
 * What a page loads for a whole turn with validation on (lenient, the default), gzip: measured at
 * 56.0 KB in 7 chunks (the client 20.7 KB and xstate 11.8 KB, the turn's guards 7.8 KB, the protocol's
 * shared code 5.7 KB with the table of which module has each method's guard, RpcPeer and the rest of the
 * transport's core 4.8 KB, the websocket transport 4.8 KB, the rest 0.4 KB). It was 71.9 KB while every
 * guard loaded at once (24 KB) and the packages were built with esbuild's keepNames. Other topics'
 * guards (account, config, plugin, ...) load on their first message; zod and the schemas (123 KB) only
 * once a message fails its guard. The budget leaves a little room.
 */
const TURN_BUDGET_GZIP_BYTES = 60 * 1024;

let app: BrowserApp;
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), "codex-browser-app-"));
  app = await buildBrowserApp(join(appDir, "src/browserTurn.ts"), outDir);
});

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

describe("the bundled websocket client in headless Chromium", () => {
  it("runs a whole turn against the fake websocket server and loads no zod", async () => {
    const answer = "Hello from the fake, streamed to a browser.";
    await using fake = await FakeAppServer.listen({ turns: [[step.message(answer, { chunks: 4 })]] });
    await using page = await startPageServer(app.dir, { url: fake.url, headers: fake.headers });
    await using browser = await launchChromium();
    const consoleErrors: string[] = [];
    const report = await browserTurnInTab(browser, page.origin, page.proxyUrl, "Say hello", (text) =>
      consoleErrors.push(text),
    );

    expect(report).toEqual({ deltas: answer, finalResponse: answer, status: "completed" });
    expect(consoleErrors).toEqual([]);
    expect(fake.server.errors).toEqual([]);

    const loaded = [...new Set(page.fetched.filter((path) => path.endsWith(".js")))];
    expect(loaded).not.toContain(app.schemasChunk);
    const bytes = loaded.reduce((sum, path) => sum + (app.gzipBytes.get(path) ?? 0), 0);
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    const all = [...app.gzipBytes.values()].reduce((sum, n) => sum + n, 0);
    console.log(
      `browser websocket client: ${kb(bytes)} gzip loaded for a whole turn (${loaded.length} chunks); ` +
        `${kb(all)} gzip in all chunks, zod and the schemas ${kb(app.gzipBytes.get(app.schemasChunk) ?? 0)} of it`,
    );
    expect(bytes).toBeLessThanOrEqual(TURN_BUDGET_GZIP_BYTES);
  });
});

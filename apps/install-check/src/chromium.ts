import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import type { BrowserTurnReport } from "./browserTurn.js";

/** Debian's Chromium (`apt-get install -y chromium`); `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export class ChromiumMissingError extends Error {
  override name = "ChromiumMissingError";
}

/** Headless Chromium with a fresh profile, removed on dispose. */
export async function launchChromium(): Promise<BrowserContext & AsyncDisposable> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new ChromiumMissingError(
      `no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "codex-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
  });
  return Object.assign(context, {
    async [Symbol.asyncDispose]() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  });
}

/**
 * Opens `origin` (a page that bundles `runBrowserTurn`) in a new tab, waits for it to be ready, and
 * runs one turn there against `url`: what the page's client received.
 */
export async function browserTurnInTab(
  browser: BrowserContext,
  origin: string,
  url: string,
  prompt: string,
  onConsoleError: (text: string) => void = () => {},
): Promise<BrowserTurnReport> {
  const tab = await browser.newPage();
  tab.on("console", (message) => {
    if (message.type() === "error") onConsoleError(message.text());
  });
  await tab.goto(origin);
  await tab.waitForFunction(() => document.title === "ready");
  return tab.evaluate(
    ([u, p]) =>
      (
        window as unknown as { runBrowserTurn: (u: string, p: string) => Promise<BrowserTurnReport> }
      ).runBrowserTurn(u, p),
    [url, prompt] as const,
  );
}

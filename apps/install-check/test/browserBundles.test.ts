import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { bundleForBrowser } from "../src/browserBundle.js";
import { NODE_ONLY_ENTRIES, PUBLISHED_PACKAGES, RUNTIME_NEUTRAL_ENTRIES } from "../src/entries.js";

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const packagesDir = resolve(appDir, "../../packages");

describe("every runtime-neutral entry bundles for the browser (esbuild --platform=browser)", () => {
  it.each(RUNTIME_NEUTRAL_ENTRIES)("%s reaches no Node built-in", async (specifier) => {
    const result = await bundleForBrowser(specifier, appDir);
    expect(result.errors).toEqual([]);
    expect(result.nodeBuiltins).toEqual([]);
  });

  it("every entry of every package is classified, runtime-neutral or Node only", () => {
    const entries = PUBLISHED_PACKAGES.flatMap((name) => {
      const pkg = JSON.parse(readFileSync(join(packagesDir, name, "package.json"), "utf8")) as {
        name: string;
        exports: Record<string, unknown>;
      };
      return Object.keys(pkg.exports)
        .filter((key) => key !== "./package.json")
        .map((key) => (key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`));
    });
    expect(entries.sort()).toEqual([...RUNTIME_NEUTRAL_ENTRIES, ...NODE_ONLY_ENTRIES].sort());
  });

  it("the check itself sees the Node built-ins of a Node-only entry", async () => {
    const result = await bundleForBrowser("@codex-app-server/client/node", appDir);
    expect(result.nodeBuiltins).toEqual(expect.arrayContaining(["child_process", "fs"]));
  });
});

describe("error classes keep their names through a minifying bundler", () => {
  it("a minified browser bundle still names and brands the errors of every package", async () => {
    const result = await build({
      stdin: {
        contents: [
          'import { CodexError, CodexValidationError } from "@codex-app-server/protocol";',
          'import { CodexTimeoutError, ConnectionClosedError } from "@codex-app-server/transport";',
          'import { CodexTurnFailedError } from "@codex-app-server/client";',
          "const errors = [new CodexValidationError('response', 'm', []), new CodexTimeoutError('t', { timeoutMs: 1 }),",
          "  new ConnectionClosedError('c'), new CodexTurnFailedError('th', 'tu', null)];",
          "export const names = errors.map((e) => [e.name, e instanceof CodexError]);",
        ].join("\n"),
        resolveDir: appDir,
        loader: "js",
      },
      bundle: true,
      platform: "browser",
      format: "esm",
      minify: true,
      write: false,
      logLevel: "silent",
    });
    const code = result.outputFiles[0]?.text ?? "";
    const { names } = (await import(
      `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`
    )) as {
      names: Array<[string, boolean]>;
    };
    expect(names).toEqual([
      ["CodexValidationError", true],
      ["CodexTimeoutError", true],
      ["ConnectionClosedError", true],
      ["CodexTurnFailedError", true],
    ]);
  });
});

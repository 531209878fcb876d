import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "tsup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as source from "../index.js";

type Root = typeof source;

/**
 * Two real bundles of the package root (ESM and CJS, each with its own copy of the protocol
 * package inside) loaded side by side with the source: what an app gets when two versions of the
 * SDK end up in its node_modules, or when ESM and CJS consumers mix.
 */
describe("errors across duplicate bundles", () => {
  let outDir: string;
  let esm: Root;
  let cjs: Root;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), "transport-bundles-"));
    await build({
      entry: { index: join(import.meta.dirname, "../index.ts") },
      outDir,
      format: ["esm", "cjs"],
      dts: false,
      silent: true,
      config: false,
      target: "node20",
      noExternal: [/@codex-app-server\//],
      esbuildOptions(options) {
        options.conditions = ["@codex-app-server/source"];
      },
    });
    esm = (await import(pathToFileURL(join(outDir, "index.js")).href)) as Root;
    cjs = createRequire(import.meta.url)(join(outDir, "index.cjs")) as Root;
  });

  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  it("are distinct copies of every class", () => {
    expect(esm.ServerBusyError).not.toBe(source.ServerBusyError);
    expect(cjs.ServerBusyError).not.toBe(esm.ServerBusyError);
    const codexErrorOf = (copy: Root) => Object.getPrototypeOf(copy.CodexRpcError) as unknown;
    expect(codexErrorOf(esm)).not.toBe(codexErrorOf(source));
    expect(codexErrorOf(cjs)).not.toBe(codexErrorOf(esm));
  });

  it.each([
    "ServerBusyError",
    "CodexMethodNotFoundError",
    "CodexProtocolError",
    "ConnectionClosedError",
    "CodexTimeoutError",
    "CodexAbortError",
    "CodexProtocolViolationError",
  ] as const)("%s keeps its name and matches instanceof in every copy", (name) => {
    const copies = [source, esm, cjs];
    const errors = copies.map(make(name));
    for (const error of errors) {
      expect(error.name).toBe(name);
      for (const copy of copies) {
        expect(error).toBeInstanceOf(copy[name]);
      }
      expect(error).toBeInstanceOf(Error);
    }
  });

  it("tells classes apart across copies", () => {
    const busy = esm.CodexRpcError.fromResponse({ code: -32001, message: "busy" });
    expect(busy).toBeInstanceOf(cjs.CodexRpcError);
    expect(busy).not.toBeInstanceOf(cjs.CodexMethodNotFoundError);
    expect(busy).not.toBeInstanceOf(source.ConnectionClosedError);
    const closed = esm.ConnectionClosedError.fromCloseInfo("x", { reason: "gone" });
    expect(closed).toBeInstanceOf(cjs.CodexTransportError);
    expect(closed).toBeInstanceOf(source.CodexTransportError);
    expect(new cjs.CodexTransportError("t")).not.toBeInstanceOf(esm.ConnectionClosedError);
    expect(source.isRetryableError(busy)).toBe(true);
    expect(cjs.isRetryableError(new esm.CodexInternalError("x"))).toBe(false);
  });
});

function make(name: string) {
  return (copy: Root): Error => {
    switch (name) {
      case "ServerBusyError":
        return copy.CodexRpcError.fromResponse({ code: -32001, message: "busy" });
      case "CodexMethodNotFoundError":
        return copy.CodexRpcError.fromResponse({ code: -32601, message: "nope" });
      case "CodexProtocolError":
        return copy.CodexRpcError.fromResponse({ code: 1, message: "other" });
      case "ConnectionClosedError":
        return copy.ConnectionClosedError.fromCloseInfo("x", { reason: "gone" });
      case "CodexTimeoutError":
        return new copy.CodexTimeoutError("t", { timeoutMs: 1 });
      case "CodexAbortError":
        return new copy.CodexAbortError("a");
      default:
        return new copy.CodexProtocolViolationError("invalid_message", "v");
    }
  };
}

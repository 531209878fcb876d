import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import type { CodexInvalidMessageError } from "./errors/connectionErrors.js";
import type { CodexTransportError } from "./errors/localErrors.js";
import { JsonLineDecoder, parseJsonMessage } from "./jsonLineDecoder.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const MB = 1024 * 1024;

/** Heap growth, in bytes, that survives a full collection once `run` has returned. */
function retainedBy(run: () => void): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  run();
  gc();
  gc();
  return process.memoryUsage().heapUsed - before;
}

/** Every string reachable from an error through its own fields and its cause chain. */
function stringsOf(error: unknown, seen = new Set<unknown>()): string[] {
  if (typeof error === "string") return [error];
  if (typeof error !== "object" || error === null || seen.has(error)) return [];
  seen.add(error);
  const found: string[] = [];
  for (const key of Reflect.ownKeys(error)) {
    const value = Object.getOwnPropertyDescriptor(error, key)?.value;
    found.push(...stringsOf(value, seen));
  }
  return found;
}

describe("errors about oversized bad input keep none of it alive", () => {
  it("a 50 MB line that is not JSON: the error is small and the line can be collected", () => {
    const errors: CodexTransportError[] = [];
    const retained = retainedBy(() => {
      const decoder = new JsonLineDecoder({ onMessage: () => undefined, onError: (e) => errors.push(e) });
      decoder.push(new Uint8Array(50 * MB).fill(0x78)); // "xxx…", no newline yet
      decoder.push(new TextEncoder().encode("\n"));
    });
    expect(errors).toHaveLength(1);
    const error = errors[0] as CodexInvalidMessageError;
    expect(error.kind).toBe("json");
    expect(error.cause).toBeInstanceOf(SyntaxError);
    for (const text of stringsOf(error)) expect(text.length).toBeLessThan(2000);
    expect(retained).toBeLessThan(10 * MB);
  });

  it("a 50 MB last line cut off at the end of input, and parseJsonMessage on its own", () => {
    const errors: unknown[] = [];
    const retained = retainedBy(() => {
      const decoder = new JsonLineDecoder({ onMessage: () => undefined, onError: (e) => errors.push(e) });
      decoder.push(new TextEncoder().encode(`{"method":"x","params":"${"y".repeat(50 * MB)}`));
      decoder.end();
      try {
        // A long string, not millions of numbers: as large, and quick to parse on a busy machine.
        parseJsonMessage(`[1,"${"w".repeat(50 * MB)}",`);
      } catch (error) {
        errors.push(error);
      }
    });
    expect(errors.map((e) => (e as CodexInvalidMessageError).kind)).toEqual(["truncated", "json"]);
    for (const error of errors) {
      for (const text of stringsOf(error)) expect(text.length).toBeLessThan(2000);
    }
    expect(retained).toBeLessThan(10 * MB);
  });

  it("a short bad line inside a large chunk does not keep the chunk's text alive", () => {
    const errors: CodexTransportError[] = [];
    const retained = retainedBy(() => {
      const decoder = new JsonLineDecoder({ onMessage: () => undefined, onError: (e) => errors.push(e) });
      const good = `{"method":"n","params":{"s":"${"z".repeat(1000)}"}}\n`;
      decoder.push(
        new TextEncoder().encode(`not json at all, but longer than a dozen chars\n${good.repeat(40_000)}`),
      );
    });
    expect(errors).toHaveLength(1);
    expect((errors[0] as CodexInvalidMessageError).excerpt).toBe(
      "not json at all, but longer than a dozen chars",
    );
    expect(retained).toBeLessThan(10 * MB);
  });
});

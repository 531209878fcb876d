import { describe, expect, it } from "vitest";
import { mergeTomlTables, renderToml } from "./configToml.js";
import { RealAppServerError } from "./errors.js";

describe("renderToml", () => {
  it("writes nested tables as root-level dotted keys, quoting keys that are not bare", () => {
    expect(
      renderToml({
        model: "mock-model",
        retries: 0,
        enabled: false,
        model_providers: { scripted_model: { base_url: "http://127.0.0.1:1/v1" } },
        projects: { "/tmp/a b": { trust_level: "trusted" } },
        list: ["a", 1, true],
        empty: {},
        skipped: undefined,
      }),
    ).toBe(
      [
        'model = "mock-model"',
        "retries = 0",
        "enabled = false",
        'model_providers.scripted_model.base_url = "http://127.0.0.1:1/v1"',
        'projects."/tmp/a b".trust_level = "trusted"',
        'list = ["a", 1, true]',
        "empty = {}",
        "",
      ].join("\n"),
    );
  });

  it("escapes strings and writes tables inside arrays inline", () => {
    expect(renderToml({ text: 'say "hi"\n', items: [{ name: "x", n: 1 }] })).toBe(
      'text = "say \\"hi\\"\\n"\nitems = [{ name = "x", n = 1 }]\n',
    );
  });

  it("rejects values TOML cannot hold", () => {
    expect(() => renderToml({ bad: Number.NaN })).toThrow(RealAppServerError);
    expect(() => renderToml({ nested: { bad: Number.POSITIVE_INFINITY } })).toThrow(/nested\.bad/);
  });

  it("merges tables deeply; other values and arrays are replaced", () => {
    expect(
      mergeTomlTables(
        { a: 1, t: { x: 1, y: [1, 2] }, keep: "k" },
        { a: 2, t: { y: [3], z: "new" }, keep: undefined },
      ),
    ).toEqual({ a: 2, t: { x: 1, y: [3], z: "new" }, keep: "k" });
  });
});

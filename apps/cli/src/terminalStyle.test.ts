import { describe, expect, it } from "vitest";
import { colorEnabled } from "./terminalStyle.js";

describe("colorEnabled", () => {
  it("on for a terminal, off for a pipe (CI alone does not turn it on)", () => {
    expect(colorEnabled({ isTTY: true }, {}, undefined)).toBe(true);
    expect(colorEnabled({ isTTY: false }, {}, undefined)).toBe(false);
    expect(colorEnabled({}, { CI: "true" }, undefined)).toBe(false);
    expect(colorEnabled({ isTTY: true }, { TERM: "dumb" }, undefined)).toBe(false);
  });

  it("NO_COLOR and --no-color win; FORCE_COLOR forces", () => {
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: "1" }, undefined)).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: "" }, undefined)).toBe(true);
    expect(colorEnabled({ isTTY: true }, {}, false)).toBe(false);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: "1" }, undefined)).toBe(true);
    expect(colorEnabled({ isTTY: true }, { FORCE_COLOR: "0" }, undefined)).toBe(false);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: "1", NO_COLOR: "1" }, undefined)).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { splitCommandLine } from "./commandLine.js";

describe("splitCommandLine", () => {
  it("splits on whitespace and keeps quoted words whole", () => {
    expect(splitCommandLine("  node fake.js   --x ")).toEqual(["node", "fake.js", "--x"]);
    expect(splitCommandLine(`node "my server.js" 'a "b" c' --flag=""`)).toEqual([
      "node",
      "my server.js",
      'a "b" c',
      "--flag=",
    ]);
  });

  it("honours backslash escapes, unless turned off for Windows paths", () => {
    expect(splitCommandLine(String.raw`a\ b "c\"d" 'e\f'`, { backslashEscapes: true })).toEqual([
      "a b",
      'c"d',
      String.raw`e\f`,
    ]);
    expect(splitCommandLine(String.raw`C:\tools\codex.exe app-server`, { backslashEscapes: false })).toEqual([
      String.raw`C:\tools\codex.exe`,
      "app-server",
    ]);
  });

  it("throws on an unterminated quote", () => {
    expect(() => splitCommandLine(`node "oops`)).toThrow(SyntaxError);
  });
});

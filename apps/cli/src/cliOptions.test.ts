import { describe, expect, it } from "vitest";
import type { OptionContext } from "./cliOptions.js";
import { parseCliOptions } from "./cliOptions.js";

const withCredentials: OptionContext = { env: {}, stdinIsTTY: false, hasCredentials: true };

function parse(args: string[], context: OptionContext = withCredentials) {
  const out: string[] = [];
  const err: string[] = [];
  const outcome = parseCliOptions(["node", "codex-chat", ...args], context, {
    writeOut: (text) => out.push(text),
    writeErr: (text) => err.push(text),
  });
  return { outcome, out: out.join(""), err: err.join("") };
}

function options(args: string[], context: OptionContext = withCredentials) {
  const { outcome, err } = parse(args, context);
  if (outcome.kind !== "run") throw new Error(`expected options, got exit ${outcome.code}: ${err}`);
  return outcome.options;
}

describe("parseCliOptions", () => {
  it("defaults: stdio, the interactive loop, label 'you', decline without a terminal", () => {
    expect(options([])).toEqual({
      target: { kind: "stdio" },
      prompts: [],
      user: "you",
      inactivityTimeoutMs: undefined,
      showData: false,
      cancelOnTimeout: false,
      approval: { policy: "decline", source: "default" },
      json: false,
      jsonDeltas: false,
      color: undefined,
    });
    expect(options([], { ...withCredentials, stdinIsTTY: true }).approval).toEqual({
      policy: "ask",
      source: "default",
    });
  });

  it("repeatable --prompt, --user, seconds to milliseconds (0: never)", () => {
    const o = options(["-p", "one", "--prompt", "two", "--user", "ada", "--inactivity-timeout", "1.5"]);
    expect(o.prompts).toEqual(["one", "two"]);
    expect(o.user).toBe("ada");
    expect(o.inactivityTimeoutMs).toBe(1500);
    expect(options(["--inactivity-timeout", "0"]).inactivityTimeoutMs).toBeNull();
  });

  it("--cmd is split like a shell line; --url or --token mean websocket", () => {
    expect(options(["--cmd", "node 'my server.js' --fast"]).target).toEqual({
      kind: "stdio",
      command: "node",
      args: ["my server.js", "--fast"],
    });
    expect(options(["--url", "ws://127.0.0.1:9", "--token", "t"]).target).toEqual({
      kind: "websocket",
      url: "ws://127.0.0.1:9",
      token: "t",
    });
    expect(options(["--transport", "websocket"]).target).toEqual({ kind: "websocket" });
  });

  it("the demo: asked for, or when there is no way to reach a real model; approvals accepted", () => {
    expect(options(["--demo"]).target).toEqual({ kind: "demo", reason: "option" });
    expect(options(["--offline"]).target).toEqual({ kind: "demo", reason: "option" });
    const noCredentials: OptionContext = { env: {}, stdinIsTTY: true, hasCredentials: false };
    const o = options([], noCredentials);
    expect(o.target).toEqual({ kind: "demo", reason: "no-credentials" });
    expect(o.approval).toEqual({ policy: "accept", source: "demo" });
    expect(options(["--approve", "ask"], noCredentials).approval).toEqual({
      policy: "ask",
      source: "option",
    });
    expect(options(["--cmd", "codex app-server"], noCredentials).target.kind).toBe("stdio");
    expect(
      options([], { ...noCredentials, env: { CODEX_APP_SERVER_CMD: "codex app-server" } }).target,
    ).toEqual({
      kind: "stdio",
    });
  });

  it("--json-deltas implies --json; --no-color", () => {
    expect(options(["--json-deltas"])).toMatchObject({ json: true, jsonDeltas: true });
    expect(options(["--no-color"]).color).toBe(false);
  });

  it.each([
    [["--demo", "--cmd", "x"], "--demo runs its own server: it cannot be combined with --cmd"],
    [["--cmd", "x", "--url", "ws://h"], "--cmd starts a stdio server: it cannot be combined with --url"],
    [["--transport", "websocket", "--cmd", "x"], "--cmd is for --transport stdio"],
    [["--transport", "stdio", "--token", "t"], "--token is for --transport websocket"],
    [["-p", "  "], "--prompt needs a non-empty message"],
    [["--cmd", ""], "--cmd needs a command"],
  ])("%j is a usage error (exit 2)", (args, message) => {
    const { outcome, err } = parse(args);
    expect(outcome).toEqual({ kind: "exit", code: 2 });
    expect(err).toBe(`error: ${message}\n`);
  });

  it("commander's own errors exit 2; --help and --version exit 0", () => {
    expect(parse(["--approve", "maybe"]).outcome).toEqual({ kind: "exit", code: 2 });
    expect(parse(["--inactivity-timeout", "-1"]).err).toContain("expected a number of seconds");
    expect(parse(["stray"]).outcome).toEqual({ kind: "exit", code: 2 });
    const help = parse(["--help"]);
    expect(help.outcome).toEqual({ kind: "exit", code: 0 });
    expect(help.out).toContain("--cancel-on-timeout");
    expect(parse(["--version"]).out).toBe("0.0.0-test\n");
  });

  it("never echoes a token in its errors", () => {
    const { err } = parse(["--demo", "--token", "sekrit-token"]);
    expect(err).toContain("--token");
    expect(err).not.toContain("sekrit-token");
  });
});

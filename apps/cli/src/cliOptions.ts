import { splitCommandLine } from "@codex-app-server/transport/stdio";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { CliUsageError } from "./errors.js";

declare const __PACKAGE_VERSION__: string;

export type ApprovalPolicy = "ask" | "accept" | "decline";

/** Where the app-server comes from. */
export type ConnectionTarget =
  | { kind: "stdio"; command?: string; args?: string[] }
  | { kind: "websocket"; url?: string; token?: string }
  | { kind: "demo"; reason: "option" | "no-credentials" };

export interface CliOptions {
  target: ConnectionTarget;
  /** Turns to run on one thread, in order; empty for the interactive prompt loop. */
  prompts: string[];
  /** Display label of the user's lines. */
  user: string;
  /** `undefined`: the client's default; `null`: never. */
  inactivityTimeoutMs: number | null | undefined;
  showData: boolean;
  cancelOnTimeout: boolean;
  approval: { policy: ApprovalPolicy; source: "option" | "default" | "demo" };
  json: boolean;
  jsonDeltas: boolean;
  /** `false` for `--no-color`; `undefined` when not given. */
  color: boolean | undefined;
}

/** What the options are decided against, besides argv. */
export interface OptionContext {
  env: Readonly<Record<string, string | undefined>>;
  stdinIsTTY: boolean;
  hasCredentials: boolean;
}

export type ParseOutcome = { kind: "run"; options: CliOptions } | { kind: "exit"; code: number };

interface RawOptions {
  transport?: "stdio" | "websocket";
  cmd?: string;
  url?: string;
  token?: string;
  prompt?: string[];
  user: string;
  inactivityTimeout?: number;
  showData?: boolean;
  cancelOnTimeout?: boolean;
  approve?: ApprovalPolicy;
  json?: boolean;
  jsonDeltas?: boolean;
  demo?: boolean;
  offline?: boolean;
  color?: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function seconds(value: string): number {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed < 0) {
    throw new InvalidArgumentError("expected a number of seconds (0 waits for ever)");
  }
  return parsed;
}

export function buildProgram(): Command {
  return new Command("codex-chat")
    .description(
      "Chat with codex app-server in the terminal. Without credentials for a real model (or with --demo) it runs an offline demo.",
    )
    .version(typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0")
    .addOption(
      new Option("--transport <kind>", "how to reach the app-server (default: stdio)").choices([
        "stdio",
        "websocket",
      ]),
    )
    .option(
      "--cmd <command>",
      "command line that starts the app-server over stdio (default: $CODEX_APP_SERVER_CMD, else the pinned @openai/codex, else `codex app-server` from the PATH)",
    )
    .option(
      "--url <url>",
      "WebSocket URL of `codex app-server --listen` (default: $CODEX_APP_SERVER_WS_URL, else ws://127.0.0.1:8765)",
    )
    .option(
      "--token <token>",
      "bearer token for the WebSocket (default: $CODEX_APP_SERVER_TOKEN); never printed",
    )
    .option(
      "-p, --prompt <text>",
      "send this message and exit; repeat for several turns on one thread",
      collect,
    )
    .option("--user <name>", "label shown on your lines", "you")
    .option(
      "--inactivity-timeout <seconds>",
      "a turn that sends nothing this long is reported (default 180; 0 never)",
      seconds,
    )
    .option("--show-data", "show a summary of each item's payload under its block")
    .option("--cancel-on-timeout", "cancel a turn that goes quiet instead of waiting on")
    .addOption(
      new Option(
        "--approve <mode>",
        "answer approvals: ask (y/n), accept, decline (default: ask on a terminal, else decline; accept in the demo)",
      ).choices(["ask", "accept", "decline"]),
    )
    .option("--json", "print one JSON object per line (steps, approvals, results, errors)")
    .option("--json-deltas", "with --json, also print the answer's text deltas (implies --json)")
    .option("--demo", "run the offline demo: the real codex app-server with a scripted stand-in model")
    .option("--offline", "same as --demo")
    .option("--no-color", "no colours (also: NO_COLOR=1)")
    .allowExcessArguments(false)
    .showHelpAfterError("(run codex-chat --help for the options)");
}

/** Parses argv (`process.argv` shape). Help and version print and return `{ kind: "exit" }`. */
export function parseCliOptions(
  argv: readonly string[],
  context: OptionContext,
  io: { writeOut: (text: string) => void; writeErr: (text: string) => void },
): ParseOutcome {
  const program = buildProgram()
    .exitOverride()
    .configureOutput({ writeOut: io.writeOut, writeErr: io.writeErr });
  try {
    program.parse([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      return { kind: "exit", code: error.exitCode === 0 ? 0 : 2 };
    }
    throw error;
  }
  try {
    return { kind: "run", options: resolveOptions(program.opts<RawOptions>(), context) };
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.writeErr(`error: ${error.message}\n`);
      return { kind: "exit", code: 2 };
    }
    throw error;
  }
}

export function resolveOptions(raw: RawOptions, context: OptionContext): CliOptions {
  const demo = raw.demo === true || raw.offline === true;
  const wsOptions = [raw.url !== undefined && "--url", raw.token !== undefined && "--token"].filter(
    (name): name is string => typeof name === "string",
  );
  if (demo) {
    const conflicting = [
      raw.transport !== undefined && "--transport",
      raw.cmd !== undefined && "--cmd",
      ...wsOptions,
    ].filter((name): name is string => typeof name === "string");
    if (conflicting.length > 0) {
      throw new CliUsageError(
        `--demo runs its own server: it cannot be combined with ${conflicting.join(", ")}`,
      );
    }
  }
  if (raw.cmd !== undefined && wsOptions.length > 0) {
    throw new CliUsageError(
      `--cmd starts a stdio server: it cannot be combined with ${wsOptions.join(", ")}`,
    );
  }
  if (raw.transport === "websocket" && raw.cmd !== undefined) {
    throw new CliUsageError("--cmd is for --transport stdio");
  }
  if (raw.transport === "stdio" && wsOptions.length > 0) {
    throw new CliUsageError(
      `${wsOptions.join(", ")} ${wsOptions.length > 1 ? "are" : "is"} for --transport websocket`,
    );
  }
  const prompts = raw.prompt ?? [];
  if (prompts.some((prompt) => prompt.trim() === "")) {
    throw new CliUsageError("--prompt needs a non-empty message");
  }

  let target: ConnectionTarget;
  if (demo) {
    target = { kind: "demo", reason: "option" };
  } else if (raw.transport === "websocket" || wsOptions.length > 0) {
    target = {
      kind: "websocket",
      ...(raw.url === undefined ? {} : { url: raw.url }),
      ...(raw.token === undefined ? {} : { token: raw.token }),
    };
  } else if (raw.cmd !== undefined) {
    const [command, ...args] = splitCommandLine(raw.cmd);
    if (command === undefined) throw new CliUsageError("--cmd needs a command");
    target = { kind: "stdio", command, args };
  } else if (
    raw.transport === "stdio" ||
    context.hasCredentials ||
    context.env.CODEX_APP_SERVER_CMD?.trim()
  ) {
    target = { kind: "stdio" };
  } else {
    target = { kind: "demo", reason: "no-credentials" };
  }

  const approval: CliOptions["approval"] =
    raw.approve !== undefined
      ? { policy: raw.approve, source: "option" }
      : target.kind === "demo"
        ? { policy: "accept", source: "demo" }
        : { policy: context.stdinIsTTY ? "ask" : "decline", source: "default" };

  const timeout = raw.inactivityTimeout;
  return {
    target,
    prompts,
    user: raw.user,
    inactivityTimeoutMs:
      timeout === undefined ? undefined : timeout === 0 ? null : Math.round(timeout * 1000),
    showData: raw.showData === true,
    cancelOnTimeout: raw.cancelOnTimeout === true,
    approval,
    json: raw.json === true || raw.jsonDeltas === true,
    jsonDeltas: raw.jsonDeltas === true,
    color: raw.color === false ? false : undefined,
  };
}

import type { ChatOutput } from "./chatOutput.js";
import type { SessionIo } from "./chatSession.js";
import { ChatSession } from "./chatSession.js";
import { parseCliOptions } from "./cliOptions.js";
import { hasModelCredentials } from "./credentials.js";
import { JsonOutput } from "./jsonOutput.js";
import { colorEnabled, createStyle } from "./terminalStyle.js";
import { TextOutput } from "./textOutput.js";

type Io = SessionIo & {
  stdout: SessionIo["stdout"] & { isTTY?: boolean };
  stderr: SessionIo["stderr"] & { isTTY?: boolean };
};

/** codex-chat: parses argv (`process.argv` shape), runs the session, returns the exit code. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCliOptions(
    argv,
    { env: io.env, stdinIsTTY: io.stdin.isTTY === true, hasCredentials: hasModelCredentials(io.env) },
    { writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) },
  );
  if (parsed.kind === "exit") return parsed.code;
  const options = parsed.options;
  const output: ChatOutput = options.json
    ? new JsonOutput({ stdout: io.stdout, deltas: options.jsonDeltas })
    : new TextOutput({
        stdout: io.stdout,
        stderr: io.stderr,
        style: createStyle(colorEnabled(io.stdout, io.env, options.color)),
        showData: options.showData,
        spinner: spinnerPossible(io),
      });
  return new ChatSession(options, io, output).run();
}

/** A spinner redraws its line in place: only on a terminal with a known width, and not in CI logs. */
function spinnerPossible(io: Io): boolean {
  const width = io.stderr.columns ?? 0;
  return (
    io.stdout.isTTY === true && io.stderr.isTTY === true && width > 0 && io.env.TERM !== "dumb" && !io.env.CI
  );
}

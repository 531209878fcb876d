#!/usr/bin/env node
import { runCli } from "./cli.js";

/** Exit this long after the session ended even if a handle (a stray socket, stdin) is still open. */
const EXIT_GRACE_MS = 2000;

runCli(process.argv, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  },
  (error: unknown) => {
    process.stderr.write(
      `codex-chat: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);

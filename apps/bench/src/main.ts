#!/usr/bin/env node
import { CommanderError } from "commander";
import { buildProgram } from "./cli.js";

const io = {
  stdout: (text: string) => process.stdout.write(text),
  stderr: (text: string) => process.stderr.write(text),
};

buildProgram(io)
  .parseAsync(process.argv)
  .then(
    () => {
      process.exitCode = 0;
    },
    (error: unknown) => {
      if (error instanceof CommanderError) {
        process.exitCode = error.exitCode;
        return;
      }
      process.stderr.write(
        `codex-sdk-bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );

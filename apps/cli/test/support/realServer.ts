import { readdirSync, readFileSync } from "node:fs";
import type { StartRealAppServerOptions, StdioRealAppServer } from "@codex-app-server/testing";
import { startRealAppServer } from "@codex-app-server/testing";
import type { CliRunOptions } from "./cliProcess.js";

/**
 * The real pinned codex app-server, offline with a scripted model, prepared for the CLI: pass `args`
 * (`--cmd <codex> app-server`) and `options` (its CODEX_HOME and workspace) to the CLI.
 */
export async function realServerForCli(options: StartRealAppServerOptions & { transport?: "stdio" } = {}) {
  const server: StdioRealAppServer = await startRealAppServer(options);
  const { command, args, cwd, env } = server.stdioOptions;
  const cmd = [command, ...args].map((word) => `'${word}'`).join(" ");
  const cliOptions: CliRunOptions = { env, cwd };
  return {
    server,
    args: ["--cmd", cmd],
    cliOptions,
    [Symbol.asyncDispose]: () => server.close(),
  };
}

/**
 * Pids of the live `codex app-server` processes whose environment has `CODEX_HOME=<codexHome>`
 * (Linux `/proc`). Shells the server keeps for `exec_command` are not counted: the server ends them.
 */
export function appServersWithCodexHome(codexHome: string): number[] {
  const needle = `CODEX_HOME=${codexHome}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (!argv.includes("app-server")) continue;
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(needle)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

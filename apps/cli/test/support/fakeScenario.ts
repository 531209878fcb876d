import { readdirSync, readFileSync } from "node:fs";
import type { FakeScenario } from "@codex-app-server/testing";
import { fakeAppServerCommand, writeScenarioFile } from "@codex-app-server/testing";

/**
 * A scenario file for the `codex-fake-app-server` stdio bin of `@codex-app-server/testing`, and the
 * `--cmd` that runs it.
 */
export async function fakeScenario(scenario: FakeScenario) {
  const file = await writeScenarioFile(scenario);
  const { command, args } = fakeAppServerCommand(file.path);
  return {
    cmd: [command, ...args].map((word) => `'${word}'`).join(" "),
    /** Pids of fake servers still running this scenario (Linux `/proc`). */
    running: () => processesWithArgument(file.path),
    [Symbol.asyncDispose]: () => file.remove(),
  };
}

function processesWithArgument(argument: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").includes(argument))
        pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

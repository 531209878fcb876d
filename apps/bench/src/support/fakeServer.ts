import type { FakeScenario, ScenarioFile } from "@codex-app-server/testing";
import { fakeAppServerCommand, writeScenarioFile } from "@codex-app-server/testing";
import type { ChildCommand } from "./lineClient.js";

export type { ChildCommand };

/** A scenario file for the fake's stdio bin, and the command that serves it. Disposing removes the file. */
export interface FakeServerSetup extends AsyncDisposable {
  readonly scenario: ScenarioFile;
  readonly command: ChildCommand;
}

/** Writes `scenario` to a temp file; every child started with `command` serves it from the start. */
export async function fakeServer(scenario: FakeScenario): Promise<FakeServerSetup> {
  const file = await writeScenarioFile(scenario);
  return {
    scenario: file,
    command: fakeAppServerCommand(file.path),
    [Symbol.asyncDispose]: () => file.remove(),
  };
}

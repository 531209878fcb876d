import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeScriptError } from "../fake/errors.js";
import type { FakeAppServerOptions } from "../fake/fakeAppServer.js";
import type { FakeScenario } from "../fake/scenario.js";
import { parseScenario } from "../fake/scenario.js";

/** Reads and checks a scenario file for the stdio bin. Throws `FakeScriptError` when it is unreadable or invalid. */
export async function readScenarioFile(path: string): Promise<FakeAppServerOptions> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new FakeScriptError(`cannot read the scenario file ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  return parseScenario(text, path);
}

/** A scenario written to a temporary file (for the stdio bin); disposing removes it. */
export interface ScenarioFile extends AsyncDisposable {
  readonly path: string;
  remove(): Promise<void>;
}

/** Writes `scenario` as JSON to a new temporary file. */
export async function writeScenarioFile(scenario: FakeScenario): Promise<ScenarioFile> {
  const dir = await mkdtemp(join(tmpdir(), "codex-fake-scenario-"));
  const path = join(dir, "scenario.json");
  await writeFile(path, JSON.stringify(scenario), "utf8");
  const remove = () => rm(dir, { recursive: true, force: true });
  return { path, remove, [Symbol.asyncDispose]: remove };
}

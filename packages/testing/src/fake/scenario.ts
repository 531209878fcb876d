import { FakeScriptError } from "./errors.js";
import type { FakeAppServerOptions, FakeHandlers } from "./fakeAppServer.js";
import type { TurnScript, TurnStep } from "./turnScript.js";
import { checkTurnScript } from "./turnScript.js";

/**
 * What the stdio bin reads from a scenario file: plain JSON. A handler is a result, or a list of
 * results indexed by call number (the last one repeats).
 */
export interface FakeScenario {
  turns?: Array<TurnScript | TurnStep[]>;
  defaultTurn?: TurnScript | TurnStep[];
  /** Steps played inside every compaction turn (see `FakeAppServerOptions.compaction`). */
  compaction?: TurnStep[];
  handlers?: Record<string, unknown>;
  cwd?: string;
  model?: string;
}

const KEYS = new Set(["turns", "defaultTurn", "compaction", "handlers", "cwd", "model"]);

/** Checks a parsed scenario and turns it into fake options; throws {@link FakeScriptError} naming what is wrong. */
export function scenarioOptions(value: unknown, source = "scenario"): FakeAppServerOptions {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new FakeScriptError(
      `${source}: expected a JSON object like { "turns": [[{ "type": "message", "text": "hi" }]] }`,
    );
  const scenario = value as Record<string, unknown>;
  for (const key of Object.keys(scenario))
    if (!KEYS.has(key))
      throw new FakeScriptError(`${source}: unknown key "${key}"; expected ${[...KEYS].join(", ")}`);
  const options: FakeAppServerOptions = {};
  if (scenario.turns !== undefined) {
    if (!Array.isArray(scenario.turns))
      throw new FakeScriptError(`${source}.turns: expected a list of turns`);
    options.turns = scenario.turns.map((turn, i) => checkTurnScript(turn, `${source}.turns[${i}]`));
  }
  if (scenario.defaultTurn !== undefined)
    options.defaultTurn = checkTurnScript(scenario.defaultTurn, `${source}.defaultTurn`);
  if (scenario.compaction !== undefined) {
    if (!Array.isArray(scenario.compaction))
      throw new FakeScriptError(`${source}.compaction: expected a list of steps`);
    options.compaction = checkTurnScript(scenario.compaction, `${source}.compaction`).steps;
  }
  if (scenario.handlers !== undefined) {
    if (
      typeof scenario.handlers !== "object" ||
      scenario.handlers === null ||
      Array.isArray(scenario.handlers)
    )
      throw new FakeScriptError(`${source}.handlers: expected an object of method → result`);
    options.handlers = scenario.handlers as FakeHandlers;
  }
  for (const key of ["cwd", "model"] as const) {
    const field = scenario[key];
    if (field === undefined) continue;
    if (typeof field !== "string") throw new FakeScriptError(`${source}.${key}: expected a string`);
    options[key] = field;
  }
  return options;
}

/** Parses scenario JSON text; see {@link scenarioOptions}. */
export function parseScenario(text: string, source = "scenario"): FakeAppServerOptions {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new FakeScriptError(`${source}: not valid JSON (${(cause as Error).message})`, { cause });
  }
  return scenarioOptions(value, source);
}

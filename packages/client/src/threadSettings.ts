import type {
  ThreadForkResponse,
  ThreadResumeResponse,
  ThreadSettings,
  ThreadStartResponse,
} from "@codex-app-server/protocol";
import type { ThreadDefaults } from "./options.js";

/**
 * A thread's settings as the client last learned them (`ThreadHandle.defaults`): what the server
 * reported when the thread was started, resumed or forked (and in `thread/settings/updated`, sent to
 * `experimentalApi` clients), with what this client changed since (`updateDefaults`, and a turn's
 * overrides, which the server keeps for the thread's later turns). A field is absent when unknown.
 */
export type ThreadSettingsSnapshot = Readonly<Partial<ThreadSettings>>;

/** The settings of a `thread/start`, `thread/resume` or `thread/fork` answer. */
export function settingsOfResponse(
  response: ThreadStartResponse | ThreadResumeResponse | ThreadForkResponse,
): ThreadSettingsSnapshot {
  const settings: Partial<ThreadSettings> = {
    model: response.model,
    modelProvider: response.modelProvider,
    cwd: response.cwd,
    approvalPolicy: response.approvalPolicy,
    approvalsReviewer: response.approvalsReviewer,
    sandboxPolicy: response.sandbox,
  };
  if (response.reasoningEffort !== undefined) settings.effort = response.reasoningEffort;
  if (response.serviceTier !== undefined) settings.serviceTier = response.serviceTier;
  if (response.disabledPluginIds !== undefined) settings.disabledPluginIds = response.disabledPluginIds;
  const mode = (response as ThreadResumeResponse).collaborationMode;
  if (mode !== undefined && mode !== null) settings.collaborationMode = mode;
  return Object.freeze(settings);
}

const DEFAULT_KEYS = [
  "approvalPolicy",
  "approvalsReviewer",
  "cwd",
  "effort",
  "model",
  "summary",
  "sandboxPolicy",
  "personality",
  "serviceTier",
  "disabledPluginIds",
] as const satisfies ReadonlyArray<keyof ThreadDefaults & keyof ThreadSettings>;

/**
 * `current` with what a settings update or a turn's overrides set: a field left unset stays as it was;
 * one set to `null` (back to the server's default, which the client does not know) is forgotten.
 */
export function withDefaults(
  current: ThreadSettingsSnapshot,
  update: ThreadDefaults,
): ThreadSettingsSnapshot {
  // Most turns override nothing: no copy then (this runs once a turn).
  if (!DEFAULT_KEYS.some((key) => update[key] !== undefined)) return current;
  const next: Record<string, unknown> = { ...current };
  for (const key of DEFAULT_KEYS) {
    const value = update[key];
    if (value === undefined) continue;
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return Object.freeze(next as Partial<ThreadSettings>);
}

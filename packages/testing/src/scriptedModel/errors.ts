import type { CodexErrorOptions } from "@codex-app-server/protocol";
import { CodexError } from "@codex-app-server/protocol";

export type ScriptedModelErrorCode =
  | "scripted_model_closed"
  | "scripted_model_timeout"
  | "scripted_model_invalid_reply"
  | "scripted_model_start_failed";

/** A misuse of the scripted model, or a wait that could not finish (closed, timed out). */
export class ScriptedModelError extends CodexError {
  declare readonly code: ScriptedModelErrorCode;

  // biome-ignore lint/complexity/noUselessConstructor: narrows `code` to the known values
  constructor(code: ScriptedModelErrorCode, message: string, options?: CodexErrorOptions) {
    super(code, message, options);
  }
}
Object.defineProperty(ScriptedModelError, "name", { value: "ScriptedModelError" }); // see codexError.ts

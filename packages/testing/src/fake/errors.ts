import { CodexError } from "@codex-app-server/protocol";

/** The fake was about to send something its own protocol schemas reject: a bug in the script or a handler. */
export class FakeServerInvalidMessageError extends CodexError {
  constructor(message: string) {
    super("fake_invalid_message", message);
  }
}
Object.defineProperty(FakeServerInvalidMessageError, "name", { value: "FakeServerInvalidMessageError" }); // see codexError.ts

/** A turn script, a scenario file or an option of the fake is not usable. */
export class FakeScriptError extends CodexError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("fake_invalid_script", message, options);
  }
}
Object.defineProperty(FakeScriptError, "name", { value: "FakeScriptError" }); // see codexError.ts

/** The fake was closed while something still waited on it. */
export class FakeAppServerClosedError extends CodexError {
  constructor(message: string) {
    super("fake_closed", message);
  }
}
Object.defineProperty(FakeAppServerClosedError, "name", { value: "FakeAppServerClosedError" }); // see codexError.ts

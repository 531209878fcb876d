import { CodexError } from "./codexError.js";
import { type MessageRoute, NO_ROUTE } from "./routeOf.js";

/**
 * How incoming messages are checked against the generated schemas.
 * - `strict`: a message that fails its schema is an error (not delivered).
 * - `lenient`: it is delivered, and the failure is reported.
 * - `off`: no schema work at all.
 * Unknown methods are never dropped in any mode: they are delivered as unknown.
 */
export type ValidationMode = "strict" | "lenient" | "off";

export interface ValidationIssue {
  path: ReadonlyArray<string | number>;
  message: string;
}

/** The kinds of message a validator checks. */
export type MessageKind = "request" | "notification" | "response";

/** A message failed its schema. */
export class CodexValidationError extends CodexError {
  readonly method: string;
  readonly kind: "request" | "notification" | "response";
  readonly issues: readonly ValidationIssue[];
  /**
   * The thread and turn the rejected notification or server request names (`routeOf` its params), so a
   * client can fail that turn; `NO_ROUTE` for responses and messages of no thread.
   */
  readonly route: MessageRoute;

  constructor(
    kind: "request" | "notification" | "response",
    method: string,
    issues: readonly ValidationIssue[],
    options?: { cause?: unknown; route?: MessageRoute },
  ) {
    const first = issues[0];
    const where = first ? ` at ${first.path.length ? first.path.join(".") : "(root)"}: ${first.message}` : "";
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
    super("validation_failed", `invalid ${kind} ${method}${where}${more}`, options);
    this.method = method;
    this.kind = kind;
    this.issues = issues;
    this.route = options?.route ?? NO_ROUTE;
  }
}
Object.defineProperty(CodexValidationError, "name", { value: "CodexValidationError" }); // see codexError.ts

/**
 * The outcome of checking one payload. Success results are shared constants: no allocation. A failure
 * found before zod has loaded (zod is loaded only when a first message fails its guard) has an `error`
 * with no issues yet and `details`, which resolves to the same failure with zod's issues; report that.
 */
export type ValidationResult =
  | { readonly ok: true; readonly known: boolean }
  | {
      readonly ok: false;
      readonly error: CodexValidationError;
      readonly details?: Promise<CodexValidationError>;
    };

export const VALID_KNOWN: ValidationResult = Object.freeze({ ok: true, known: true });
export const VALID_UNKNOWN: ValidationResult = Object.freeze({ ok: true, known: false });

/**
 * Checks payloads by method name, one schema lookup per message. Which side's messages it checks
 * depends on how it was created (a client checks what the server sends, a fake server the reverse).
 */
export interface MessageValidator {
  readonly mode: ValidationMode;
  /**
   * Undefined when a message of `kind` and `method` can be checked now; else a promise (that never
   * rejects) of the moment it can: the generated guards load in modules, each on the first message of
   * one of its methods. A caller that keeps messages in order holds this message, and every later one,
   * until then. Checking a method whose guard has not loaded throws (`guards_not_loaded`), unless zod
   * has loaded (then zod decides). A validator without it checks every message at once.
   */
  prepare?(kind: MessageKind, method: string): Promise<void> | undefined;
  /** Params of an incoming notification. */
  notification(method: string, params: unknown): ValidationResult;
  /** Params of an incoming request. */
  request(method: string, params: unknown): ValidationResult;
  /** Result of a response to a request we sent with `method`. */
  response(method: string, result: unknown): ValidationResult;
}

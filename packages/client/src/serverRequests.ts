import type { RequestId, RequestPermissionProfile, ServerRequestMap } from "@codex-app-server/protocol";
import { CodexUsageError } from "./errors.js";
import { grantsWithinRequest } from "./permissionGrant.js";

/** The server requests a client answers, by the kind of question they ask. */
export const SERVER_REQUEST_KINDS = {
  "item/commandExecution/requestApproval": "commandExecution",
  "item/fileChange/requestApproval": "fileChange",
  "item/permissions/requestApproval": "permissions",
  "item/tool/requestUserInput": "userInput",
  "mcpServer/elicitation/request": "mcpElicitation",
  execCommandApproval: "legacyExecCommand",
  applyPatchApproval: "legacyApplyPatch",
} as const satisfies Partial<Record<keyof ServerRequestMap, string>>;

export type ServerRequestMethod = keyof typeof SERVER_REQUEST_KINDS;
export type ServerRequestKind = (typeof SERVER_REQUEST_KINDS)[ServerRequestMethod];

type MethodOfKind<K extends ServerRequestKind> = {
  [M in ServerRequestMethod]: (typeof SERVER_REQUEST_KINDS)[M] extends K ? M : never;
}[ServerRequestMethod];

/** The answer a request of kind K expects. */
export type ServerRequestResponse<K extends ServerRequestKind = ServerRequestKind> =
  ServerRequestMap[MethodOfKind<K>]["result"];
export type ServerRequestParams<K extends ServerRequestKind = ServerRequestKind> =
  ServerRequestMap[MethodOfKind<K>]["params"];

interface ServerRequestBase<K extends ServerRequestKind> {
  readonly kind: K;
  readonly method: MethodOfKind<K>;
  readonly id: RequestId;
  readonly params: ServerRequestParams<K>;
  readonly threadId: string | null;
  readonly turnId: string | null;
  /** Aborts when the server withdraws the request (`serverRequest/resolved`, the turn ending) or the client closes. */
  readonly signal: AbortSignal;
  /** The answer given when nobody decides: decline, cancel, or an empty grant. */
  safeDefault(): ServerRequestResponse<K>;
}

export interface CommandExecutionRequest extends ServerRequestBase<"commandExecution"> {
  /** The decisions the server offers; when it lists none, the classic four are assumed. "decline" is always accepted. */
  readonly availableDecisions: readonly unknown[] | null;
  /**
   * The prefix rule the server offers to add so that commands like this one run without asking again
   * (its `acceptWithExecpolicyAmendment` decision, else `proposedExecpolicyAmendment`), or `null`.
   */
  readonly execpolicyAmendment: readonly string[] | null;
  accept(): ServerRequestResponse<"commandExecution">;
  acceptForSession(): ServerRequestResponse<"commandExecution">;
  /**
   * Accepts, and adds the rule the server proposed ({@link execpolicyAmendment}): the Python SDK's
   * `approve_approval(..., execpolicy_amendment=...)`. Throws `CodexUsageError` when the server
   * proposed none. Only the rule as offered is sent: an answer with another one gets the safe default.
   */
  acceptWithExecpolicyAmendment(): ServerRequestResponse<"commandExecution">;
  decline(): ServerRequestResponse<"commandExecution">;
  cancel(): ServerRequestResponse<"commandExecution">;
}
export interface FileChangeRequest extends ServerRequestBase<"fileChange"> {
  accept(): ServerRequestResponse<"fileChange">;
  acceptForSession(): ServerRequestResponse<"fileChange">;
  decline(): ServerRequestResponse<"fileChange">;
  cancel(): ServerRequestResponse<"fileChange">;
}
export interface PermissionsRequest extends ServerRequestBase<"permissions"> {
  /** Grants exactly what was asked, for the turn or the session. */
  grant(scope?: "turn" | "session"): ServerRequestResponse<"permissions">;
  deny(): ServerRequestResponse<"permissions">;
}
export interface UserInputRequest extends ServerRequestBase<"userInput"> {
  answer(answers: Record<string, string[]>): ServerRequestResponse<"userInput">;
}
export interface McpElicitationRequest extends ServerRequestBase<"mcpElicitation"> {
  accept(content: unknown): ServerRequestResponse<"mcpElicitation">;
  decline(): ServerRequestResponse<"mcpElicitation">;
  cancel(): ServerRequestResponse<"mcpElicitation">;
}
export interface LegacyExecCommandRequest extends ServerRequestBase<"legacyExecCommand"> {
  approve(): ServerRequestResponse<"legacyExecCommand">;
  deny(reason?: string): ServerRequestResponse<"legacyExecCommand">;
}
export interface LegacyApplyPatchRequest extends ServerRequestBase<"legacyApplyPatch"> {
  approve(): ServerRequestResponse<"legacyApplyPatch">;
  deny(reason?: string): ServerRequestResponse<"legacyApplyPatch">;
}

/** A question from the server: an approval, a permission grant, a user-input question, an MCP elicitation. */
export type ServerRequest =
  | CommandExecutionRequest
  | FileChangeRequest
  | PermissionsRequest
  | UserInputRequest
  | McpElicitationRequest
  | LegacyExecCommandRequest
  | LegacyApplyPatchRequest;

/**
 * Decides a server request. Return the answer (the request's helpers build typed ones:
 * `request.accept()`, `request.decline()`...), or `undefined` for the safe default. A handler that
 * throws, or returns a decision the request does not offer, gets the safe default too.
 */
export type ServerRequestHandler = (request: ServerRequest) => unknown | Promise<unknown>;

const CLASSIC_COMMAND_DECISIONS = ["accept", "acceptForSession", "decline", "cancel"];

/** Builds the typed request object for one incoming server request. */
export function createServerRequest(
  method: ServerRequestMethod,
  id: RequestId,
  params: unknown,
  route: { threadId?: string | undefined; turnId?: string | undefined },
  signal: AbortSignal,
): ServerRequest {
  const kind = SERVER_REQUEST_KINDS[method];
  const base = {
    kind,
    method,
    id,
    params,
    threadId: route.threadId ?? null,
    turnId: route.turnId ?? null,
    signal,
  };
  switch (kind) {
    case "commandExecution": {
      const offered = (params as { availableDecisions?: unknown }).availableDecisions;
      const availableDecisions = Array.isArray(offered) ? offered : null;
      const amendment = offeredExecpolicyAmendment(params, availableDecisions);
      return {
        ...base,
        availableDecisions,
        execpolicyAmendment: amendment,
        safeDefault: () => safeAnswer(kind, params) as ServerRequestResponse<"commandExecution">,
        accept: () => ({ decision: "accept" }),
        acceptForSession: () => ({ decision: "acceptForSession" }),
        acceptWithExecpolicyAmendment: () => {
          if (amendment === null) {
            throw new CodexUsageError(
              "the server proposed no execpolicy amendment for this command: accept() or acceptForSession() instead",
            );
          }
          return { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: [...amendment] } } };
        },
        decline: () => ({ decision: "decline" }),
        cancel: () => ({ decision: "cancel" }),
      } as CommandExecutionRequest;
    }
    case "fileChange":
      return {
        ...base,
        safeDefault: () => safeAnswer(kind, params),
        accept: () => ({ decision: "accept" }),
        acceptForSession: () => ({ decision: "acceptForSession" }),
        decline: () => ({ decision: "decline" }),
        cancel: () => ({ decision: "cancel" }),
      } as FileChangeRequest;
    case "permissions": {
      const asked = (params as { permissions?: Record<string, unknown> }).permissions ?? {};
      return {
        ...base,
        safeDefault: () => safeAnswer(kind, params),
        grant: (scope: "turn" | "session" = "turn") => ({
          permissions: {
            ...(asked.network ? { network: asked.network } : {}),
            ...(asked.fileSystem ? { fileSystem: asked.fileSystem } : {}),
          },
          scope,
        }),
        deny: () => ({ permissions: {}, scope: "turn" }),
      } as PermissionsRequest;
    }
    case "userInput":
      return {
        ...base,
        safeDefault: () => safeAnswer(kind, params),
        answer: (answers: Record<string, string[]>) => ({
          answers: Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, { answers: v }])),
        }),
      } as UserInputRequest;
    case "mcpElicitation":
      return {
        ...base,
        safeDefault: () => safeAnswer(kind, params),
        accept: (content: unknown) => ({ action: "accept", content, _meta: null }),
        decline: () => ({ action: "decline", content: null, _meta: null }),
        cancel: () => ({ action: "cancel", content: null, _meta: null }),
      } as McpElicitationRequest;
    case "legacyExecCommand":
    case "legacyApplyPatch":
      return {
        ...base,
        safeDefault: () => safeAnswer(kind, params),
        approve: () => ({ decision: "approved" }),
        deny: (reason = "declined") => ({ decision: { denied: { rejection: reason } } }),
      } as LegacyExecCommandRequest | LegacyApplyPatchRequest;
  }
}

/**
 * The answer sent when nobody decides: decline (a command or a change does not happen, the turn goes
 * on), an empty grant, no answers, cancel (an elicitation), denied (legacy approvals).
 */
export function safeAnswer(kind: ServerRequestKind, _params: unknown): unknown {
  switch (kind) {
    case "commandExecution":
    case "fileChange":
      // The server accepts "decline" even when it does not list it (verified with codex-cli 0.169.0,
      // which offers ["accept", {acceptWithExecpolicyAmendment}, "cancel"]): declining lets the turn
      // go on without running the command, where "cancel" would end the turn.
      return { decision: "decline" };
    case "permissions":
      return { permissions: {}, scope: "turn" };
    case "userInput":
      return { answers: {} };
    case "mcpElicitation":
      return { action: "cancel", content: null, _meta: null };
    case "legacyExecCommand":
    case "legacyApplyPatch":
      return { decision: { denied: { rejection: "declined by default" } } };
  }
}

/** The amendment of the offered `acceptWithExecpolicyAmendment` decision, else the proposed one. */
function offeredExecpolicyAmendment(params: unknown, available: readonly unknown[] | null): string[] | null {
  for (const decision of available ?? []) {
    const offer = (decision as { acceptWithExecpolicyAmendment?: { execpolicy_amendment?: unknown } } | null)
      ?.acceptWithExecpolicyAmendment?.execpolicy_amendment;
    if (isStringList(offer)) return offer;
  }
  const proposed = (params as { proposedExecpolicyAmendment?: unknown } | null)?.proposedExecpolicyAmendment;
  return isStringList(proposed) ? proposed : null;
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length > 0 && value.every((part) => typeof part === "string");

/** Decisions the server takes although 0.169.0 does not list them in `availableDecisions`. */
const ALWAYS_ACCEPTED_DECISIONS = new Set(["decline", "acceptForSession"]);

function decisionOffered(available: readonly unknown[] | null, decision: string): boolean {
  if (ALWAYS_ACCEPTED_DECISIONS.has(decision)) return true;
  return (available ?? CLASSIC_COMMAND_DECISIONS).some(
    (d) => d === decision || (typeof d === "object" && d !== null && decision in d),
  );
}

/**
 * Checks an answer against what the request allows. Returns the answer to send, or `undefined` when it
 * must be replaced by the safe default: a decision the request does not offer, or a permissions
 * grant that gives more than the request asked for (see {@link grantsWithinRequest}).
 */
export function checkServerRequestAnswer(request: ServerRequest, answer: unknown): unknown {
  return checkAnswer(request.kind, request.params, answer);
}

/** {@link checkServerRequestAnswer} on plain data (what a request actor holds). */
export function checkAnswer(kind: ServerRequestKind, params: unknown, answer: unknown): unknown {
  if (answer === undefined || answer === null || typeof answer !== "object") return undefined;
  if (kind === "commandExecution") {
    const decision = (answer as { decision?: unknown }).decision;
    if (decision === undefined) return undefined;
    const key =
      typeof decision === "string"
        ? decision
        : typeof decision === "object" && decision
          ? Object.keys(decision)[0]
          : undefined;
    const offered = (params as { availableDecisions?: unknown } | null)?.availableDecisions;
    const available = Array.isArray(offered) ? offered : null;
    if (key === undefined || !decisionOffered(available, key)) return undefined;
    // An amendment (a rule the server keeps) is sent only as offered, never a wider one of our own.
    if (typeof decision === "object" && !(available ?? []).some((d) => sameJson(d, decision)))
      return undefined;
  }
  if (kind === "fileChange") {
    const decision = (answer as { decision?: unknown }).decision;
    if (typeof decision !== "string" || !CLASSIC_COMMAND_DECISIONS.includes(decision)) return undefined;
  }
  if (
    kind === "permissions" &&
    !grantsWithinRequest((params as { permissions?: RequestPermissionProfile } | null)?.permissions, answer)
  ) {
    return undefined;
  }
  return answer;
}

/** Deep equality of plain JSON values. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) =>
    sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

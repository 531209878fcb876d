import type { ServerRequest } from "@codex-app-server/client";
import type { ThreadItem } from "@codex-app-server/protocol";
import { summarizePayload } from "./payloadSummary.js";

/** A server request as the user sees it: what is asked, and the facts to decide on. */
export interface ApprovalView {
  kind: ServerRequest["kind"];
  method: string;
  /** "run a command?", "apply file changes?"... */
  title: string;
  /** Label and value pairs: command, cwd, reason, files... Empty values are left out. */
  fields: Array<[string, string]>;
  params: unknown;
  /** Whether a yes/no answer means anything (an MCP form or a user-input question cannot be answered so). */
  answerable: boolean;
}

export type Decision = "accept" | "decline";

/**
 * Describes a server request. `startedItems` are the items the server announced (`item/started`), by
 * id: a file-change approval names only its item, whose changes list the files.
 */
export function describeRequest(
  request: ServerRequest,
  startedItems: ReadonlyMap<string, ThreadItem>,
): ApprovalView {
  const view = (title: string, fields: Array<[string, string | null | undefined]>, answerable = true) => ({
    kind: request.kind,
    method: request.method,
    title,
    fields: fields.filter((f): f is [string, string] => typeof f[1] === "string" && f[1] !== ""),
    params: request.params,
    answerable,
  });
  switch (request.kind) {
    case "commandExecution": {
      const p = request.params;
      const item = startedItems.get(p.itemId);
      const command = p.command ?? (item?.type === "commandExecution" ? item.command : undefined);
      return view("run a command?", [
        ["command", command],
        ["cwd", p.cwd ?? (item?.type === "commandExecution" ? item.cwd : undefined)],
        ["reason", p.reason],
      ]);
    }
    case "fileChange": {
      const p = request.params;
      const item = startedItems.get(p.itemId);
      const files = item?.type === "fileChange" ? item.changes.map((c) => `${c.kind.type} ${c.path}`) : [];
      return view("apply file changes?", [
        ["files", files.join(", ")],
        ["reason", p.reason],
        ["grant root", p.grantRoot],
      ]);
    }
    case "permissions": {
      const p = request.params;
      return view("grant extra permissions?", [
        ["asks for", summarizePayload(p.permissions)],
        ["cwd", p.cwd],
        ["reason", p.reason],
      ]);
    }
    case "userInput": {
      const questions = request.params.questions.map((q): [string, string] => [
        q.header || q.id,
        q.options?.length
          ? `${q.question} (${q.options.map((o, i) => `${i + 1}. ${o.label}`).join(", ")})`
          : q.question,
      ]);
      return view("codex has a question", questions, false);
    }
    case "mcpElicitation": {
      const p = request.params as { serverName?: string; message?: string };
      return view(
        `MCP server ${p.serverName ?? "?"} asks for input (declined: forms are not supported)`,
        [["message", p.message]],
        false,
      );
    }
    case "legacyExecCommand": {
      const p = request.params;
      return view("run a command?", [
        ["command", p.command.join(" ")],
        ["cwd", p.cwd],
        ["reason", p.reason],
      ]);
    }
    case "legacyApplyPatch": {
      const p = request.params;
      return view("apply file changes?", [
        ["files", Object.keys(p.fileChanges).join(", ")],
        ["reason", p.reason],
      ]);
    }
  }
}

/** The typed answer for a yes/no decision, built with the request's own helpers. */
export function answerFor(request: ServerRequest, decision: Decision): unknown {
  const accept = decision === "accept";
  switch (request.kind) {
    case "commandExecution":
    case "fileChange":
      return accept ? request.accept() : request.decline();
    case "permissions":
      return accept ? request.grant("turn") : request.deny();
    case "legacyExecCommand":
    case "legacyApplyPatch":
      return accept ? request.approve() : request.deny();
    case "mcpElicitation":
      return request.decline();
    case "userInput":
      return request.safeDefault();
  }
}

import type { RecordedRequest, ScriptedReply } from "@codex-app-server/testing";
import { reply } from "@codex-app-server/testing";

const PATCH_CALL = "demo-patch";
const EXEC_CALL = "demo-exec";

export interface DemoStoryOptions {
  /** Pause before each streamed event, so the answer visibly streams. */
  eventDelayMs: number;
}

interface InputItem {
  type?: unknown;
  role?: unknown;
  call_id?: unknown;
  output?: unknown;
}

/**
 * The scripted model of the offline demo. Every user message plays the same short story over three
 * model calls: a thought and a file written with `apply_patch` (a file-change block), then a command
 * that asks for approval (`cat`, run with escalated permissions), then the answer, streamed.
 */
export function demoReply(request: RecordedRequest, options: DemoStoryOptions): ScriptedReply {
  const last = lastTurnInput(request.input);
  const callId = typeof last?.call_id === "string" ? last.call_id : "";
  const file = demoFileName(request.input);
  let answer: ScriptedReply;
  if (last?.type === "function_call_output" && callId.startsWith(PATCH_CALL)) {
    answer = reply.execCommand({
      cmd: `cat ${file}`,
      justification: `Show you the file I just wrote (${file})`,
      sandboxPermissions: "require_escalated",
      callId: `${EXEC_CALL}-${request.index}`,
    });
  } else if (last?.type === "function_call_output" && callId.startsWith(EXEC_CALL)) {
    const ran = /exited with code 0|Exit code: 0/.test(String(last.output ?? ""));
    answer = reply.message(ran ? ranAnswer(file) : declinedAnswer(file), { chunks: 16 });
  } else {
    const asked = oneLine(request.lastUserText ?? "");
    answer = reply.sequence(
      reply.reasoning(
        `The user asked: "${asked}". I'll write a short note to ${file} in the workspace, ` +
          "then show it with cat, which needs their approval.",
        { chunks: 4 },
      ),
      reply.execCommand({
        cmd: patchCommand(file, asked),
        justification: `Write ${file}`,
        callId: `${PATCH_CALL}-${request.index}`,
      }),
    );
  }
  return options.eventDelayMs > 0 && answer.kind === "stream"
    ? reply.slow(answer, { eventDelayMs: options.eventDelayMs })
    : answer;
}

/** The last item that moves the story on: the user's message or a tool's output. */
function lastTurnInput(input: readonly unknown[]): InputItem | undefined {
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i] as InputItem | null;
    if (item === null || typeof item !== "object") continue;
    if (item.type === "function_call_output" || (item.type === "message" && item.role === "user"))
      return item;
  }
  return undefined;
}

/** `demo.txt` for the first story of a thread, `demo-2.txt` for the second... */
function demoFileName(input: readonly unknown[]): string {
  const earlier = input.filter((item) => {
    const i = item as { type?: unknown; call_id?: unknown } | null;
    return i?.type === "function_call" && typeof i.call_id === "string" && i.call_id.startsWith(PATCH_CALL);
  }).length;
  const pending = lastTurnInput(input);
  const inThisStory = pending?.type === "function_call_output" ? 1 : 0;
  const n = earlier - inThisStory + 1;
  return n <= 1 ? "demo.txt" : `demo-${n}.txt`;
}

/** An `apply_patch` heredoc: the server turns it into a file change instead of running a shell. */
function patchCommand(file: string, asked: string): string {
  return [
    "apply_patch <<'PATCH'",
    "*** Begin Patch",
    `*** Add File: ${file}`,
    "+Hello from the codex-chat offline demo.",
    `+You asked: ${asked}`,
    "*** End Patch",
    "PATCH",
  ].join("\n");
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 100 ? `${flat.slice(0, 99)}…` : flat;
}

function ranAnswer(file: string): string {
  return (
    `I wrote ${file} in the workspace and printed it with cat. ` +
    "This was the offline demo: a scripted stand-in model drove the real codex app-server, which applied " +
    "the patch, asked for approval and ran the command. Set OPENAI_API_KEY, or pass --cmd or --url, to chat with a real model."
  );
}

function declinedAnswer(file: string): string {
  return (
    `You declined the command, so I did not run cat; ${file} is in the workspace all the same. ` +
    "This was the offline demo: a scripted stand-in model drove the real codex app-server."
  );
}

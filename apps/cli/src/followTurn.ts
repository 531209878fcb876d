import type {
  CancelResult,
  CodexClient,
  ServerNotification,
  TurnHandle,
  TurnResult,
} from "@codex-app-server/client";
import { CodexTurnInactiveError } from "@codex-app-server/client";
import type { ChatOutput } from "./chatOutput.js";

export type TurnEnd = { kind: "ended"; result: TurnResult } | { kind: "cancelled"; result: CancelResult };

export interface FollowOptions {
  client: CodexClient;
  output: ChatOutput;
  /** Cancel a turn that goes quiet (`client.cancel`) instead of resuming it. */
  cancelOnTimeout: boolean;
}

/**
 * Reads one turn to its end, drawing it as it goes: the answer's deltas, each completed step, what the
 * turn is doing. A turn that goes quiet is resumed with its continuation, or cancelled.
 */
export async function followTurn(turn: TurnHandle, options: FollowOptions): Promise<TurnEnd> {
  const { output } = options;
  for (;;) {
    try {
      for await (const notification of turn.events()) show(notification, turn, output);
      return { kind: "ended", result: turn.snapshotResult() };
    } catch (error) {
      if (!(error instanceof CodexTurnInactiveError)) throw error;
      const quiet = `no activity for ${formatSeconds(error.timeoutMs)}`;
      if (options.cancelOnTimeout) {
        output.notice("inactive", `${quiet}: cancelling the turn (--cancel-on-timeout)`);
        return { kind: "cancelled", result: await options.client.cancel(error.continuation) };
      }
      output.notice("inactive", `${quiet}: still waiting (Ctrl-C interrupts the turn)`);
      // A Ctrl-C may have moved the turn on (interrupting) since it went quiet: then just read on.
      if (turn.state === "inactive") turn.resume(error.continuation);
    }
  }
}

function show(n: ServerNotification, turn: TurnHandle, output: ChatOutput): void {
  switch (n.method) {
    case "item/agentMessage/delta":
      output.delta(n.params.itemId, n.params.delta);
      return;
    case "item/completed": {
      const step = turn.stepOf(n);
      if (step) output.step(step);
      return;
    }
    case "item/started": {
      const item = n.params.item;
      if (item.type === "reasoning") output.activity("thinking…");
      else if (item.type === "commandExecution") output.activity(`running ${item.command}`);
      else if (item.type === "fileChange") output.activity("changing files…");
      else if (item.type === "agentMessage") output.activity("answering…");
      return;
    }
    case "error":
      if (n.params.willRetry) output.notice("retrying", `${n.params.error.message} (the server retries)`);
      return;
  }
}

export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

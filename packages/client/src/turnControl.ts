import type { TurnSteerResponse } from "@codex-app-server/protocol";
import { CodexUsageError } from "./errors.js";
import type { Input } from "./inputs.js";
import type { TurnHandle } from "./turnHandle.js";
import type { TurnResult } from "./turnTypes.js";

/** Options of `client.interruptTurn`. */
export interface InterruptTurnOptions {
  /** How long to wait for the end of a turn this client runs (see `TurnHandle.interrupt`), or for the answer. */
  timeoutMs?: number | null;
  signal?: AbortSignal;
}

/** What `interruptTurn` and `steerTurn` need of the client. */
export interface TurnControlHost {
  /** A turn this client runs (or ran recently). */
  turn(turnId: string): TurnHandle | undefined;
  interruptRequest(threadId: string, turnId: string, options: InterruptTurnOptions): Promise<unknown>;
  steerRequest(threadId: string, turnId: string, input: Input): Promise<TurnSteerResponse>;
}

/**
 * Interrupts a turn by id. A turn this client runs goes through its handle: its actor holds the
 * interrupt until the server started the turn, and this resolves with the turn's result once it
 * ended. A turn this client does not know (another client's, or one that was running when the thread
 * was resumed) gets `turn/interrupt` directly: this resolves with `null` once the server took it (its
 * answer is empty; the turn's end comes as notifications).
 */
export async function interruptTurnById(
  host: TurnControlHost,
  threadId: string | undefined,
  turnId: string,
  options: InterruptTurnOptions,
): Promise<TurnResult | null> {
  const turn = known(host, threadId, turnId);
  if (turn) return turn.interrupt(options);
  if (threadId === undefined) {
    throw new CodexUsageError(
      `turn ${turnId} is not one this client runs: name its thread, interruptTurn(threadId, turnId)`,
    );
  }
  await host.interruptRequest(threadId, turnId, options);
  return null;
}

/**
 * Adds input to a running turn by id (`turn/steer` with it as `expectedTurnId`). A turn this client runs
 * goes through its handle (a steer asked for before the server started the turn is held until then);
 * any other gets `turn/steer` directly. Resolves with the server's answer.
 */
export function steerTurnById(
  host: TurnControlHost,
  threadId: string,
  turnId: string,
  input: Input,
): Promise<TurnSteerResponse> {
  const turn = known(host, threadId, turnId);
  if (turn) return turn.steer(input);
  return host.steerRequest(threadId, turnId, input);
}

function known(host: TurnControlHost, threadId: string | undefined, turnId: string): TurnHandle | undefined {
  const turn = host.turn(turnId);
  if (turn && threadId !== undefined && turn.threadId !== threadId) {
    throw new CodexUsageError(`turn ${turnId} is on thread ${turn.threadId}, not on thread ${threadId}`);
  }
  return turn;
}

import { CodexAbortError, CodexTimeoutError } from "@codex-app-server/transport";
import { CodexInvalidStateError } from "./errors.js";
import { topState } from "./machines/topState.js";
import type { TurnActorRef } from "./machines/turnMachine.js";

/**
 * Waits for a turn's actor to reach its end, after an interrupt was sent to it. Rejects when the
 * interrupt failed (the actor left `interrupting` for a live state: `CodexInvalidStateError`), gave
 * up (`unresponsive`: `CodexTimeoutError`), or `signal` aborts (`CodexAbortError`).
 */
export function waitForTurnEnd(actor: TurnActorRef, turnId: string, signal?: AbortSignal): Promise<void> {
  if (actor.getSnapshot().status === "done") return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      signal?.removeEventListener("abort", onAbort);
      subscription.unsubscribe();
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () =>
      settle(
        new CodexAbortError(`waiting for turn ${turnId} to end was aborted`, {
          cause: signal?.reason,
        }),
      );
    const subscription = actor.subscribe((snapshot) => {
      if (snapshot.status === "done") return settle();
      if (snapshot.matches("interrupting")) return;
      const reason = snapshot.context.interruptError ?? "the interrupt was abandoned";
      if (snapshot.value === "unresponsive") {
        const timeoutMs = snapshot.context.interruptTimeoutMs ?? 0;
        settle(new CodexTimeoutError(`turn ${turnId}: ${reason}`, { method: "turn/interrupt", timeoutMs }));
      } else {
        settle(new CodexInvalidStateError(`turn:${turnId}`, topState(snapshot.value), "interrupt", reason));
      }
    });
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

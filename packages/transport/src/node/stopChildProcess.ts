import type { ChildProcess } from "node:child_process";
import { resolvesWithin } from "./resolvesWithin.js";

export interface StopChildProcessOptions {
  /** Resolves once the child is gone (its `exit`, or for a transport its `close`). */
  exited: Promise<unknown>;
  /** How long each step waits for `exited` before the next. */
  stepTimeoutMs: number;
  /**
   * Close stdin and wait a step before any signal, for a child that exits at the end of its input
   * (`codex app-server` over stdio does). `false`: stdin is closed and SIGTERM sent at once.
   * Default true.
   */
  endStdinFirst?: boolean;
}

/**
 * Ends a child process, politely first: end of stdin, then SIGTERM, then SIGKILL, waiting
 * `stepTimeoutMs` after each step (timers `unref()`ed). Resolves `true` once `exited` resolved,
 * `false` when not even SIGKILL ended it within a step (a process stuck in the kernel).
 */
export async function stopChildProcess(
  child: ChildProcess,
  options: StopChildProcessOptions,
): Promise<boolean> {
  const { exited, stepTimeoutMs } = options;
  child.stdin?.end();
  if ((options.endStdinFirst ?? true) && (await resolvesWithin(exited, stepTimeoutMs))) return true;
  child.kill("SIGTERM");
  if (await resolvesWithin(exited, stepTimeoutMs)) return true;
  child.kill("SIGKILL");
  return resolvesWithin(exited, stepTimeoutMs);
}

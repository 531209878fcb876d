import type { TurnActorRef } from "./machines/turnMachine.js";

/**
 * How finely the inactivity clock follows activity: a chunk arriving within this long of the last
 * `activity` event (or `turn/started`) sends none, so a fast stream costs its turn actor a few events
 * a second, not one per chunk. Capped at a tenth of the timeout: a turn goes `inactive` after between
 * 90% and 100% of `inactivityTimeoutMs` without events.
 */
export const ACTIVITY_RESOLUTION_MS = 100;

/**
 * Tells a turn's actor that its stream is alive, at most once per transport chunk (the peer delivers a
 * chunk's messages synchronously, so the chunk's first message schedules one check after the chunk) and
 * at most once per {@link ACTIVITY_RESOLUTION_MS}.
 */
export class TurnActivity {
  private readonly actor: TurnActorRef;
  private readonly isFinished: () => boolean;
  /** A check is due once the current transport chunk is delivered. */
  private due = false;
  /** When the inactivity timer was last restarted (an `activity` event, or `turn/started`). */
  private at = Number.NEGATIVE_INFINITY;

  constructor(actor: TurnActorRef, isFinished: () => boolean) {
    this.actor = actor;
    this.isFinished = isFinished;
  }

  /** A notification of the turn arrived. */
  seen(): void {
    if (this.due) return;
    this.due = true;
    queueMicrotask(this.flush);
  }

  /** The actor restarted its timer itself (entering `streaming` on `turn/started`): this chunk is counted. */
  restarted(): void {
    this.at = performance.now();
  }

  private readonly flush = (): void => {
    this.due = false;
    if (this.isFinished()) return;
    const timeoutMs = this.actor.getSnapshot().context.inactivityTimeoutMs;
    if (timeoutMs === null) return;
    const now = performance.now();
    if (now - this.at < Math.min(ACTIVITY_RESOLUTION_MS, timeoutMs / 10)) return;
    this.at = now;
    this.actor.send({ type: "activity" });
  };
}

import type { ThreadResumeResponse, Turn } from "@codex-app-server/protocol";
import type {
  ClientPeer,
  CodexConnectionLostError,
  ConnectionClosedError,
  TransportCloseInfo,
} from "@codex-app-server/transport";
import { CodexTurnLostError } from "./errors.js";
import type { NotificationRouter } from "./notificationRouter.js";
import type { ServerRequestBroker } from "./serverRequestBroker.js";
import type { ThreadRegistry } from "./threadRegistry.js";
import { settingsOfResponse } from "./threadSettings.js";
import type { TurnHandle } from "./turnHandle.js";

/** What resuming after a reconnection works on. */
export interface ReconnectHost {
  peer: ClientPeer;
  threads: ThreadRegistry;
  router: NotificationRouter;
  broker: ServerRequestBroker;
  onError(error: Error): void;
}

const serverDied = (info: { exitCode?: number | null; signal?: string | null }): boolean =>
  (info.exitCode !== undefined && info.exitCode !== null) ||
  (info.signal !== undefined && info.signal !== null);

/**
 * What a running turn fails with when the connection closed: the close's error, or, when the server
 * process died under us (stdio), a `CodexTurnLostError` that says a turn cannot outlive its server.
 */
export function lostTurnError(turn: TurnHandle, error: ConnectionClosedError, byUs: boolean): Error {
  if (byUs || !serverDied(error)) return error;
  return new CodexTurnLostError(
    turn.threadId,
    turn.turnId,
    `the app-server process ${error.signal ? `was killed by ${error.signal}` : `exited with code ${error.exitCode}`}, ` +
      "and a turn does not outlive its server (a stdio " +
      "server dies with its pipe); connect with `respawn: true` to start a new server and resume the threads",
    { cause: error },
  );
}

/**
 * The connection dropped: running turns detach, the server's open requests wait to be asked again. When
 * the server process itself died (a respawning stdio transport), its turns are gone: they fail with
 * `CodexTurnLostError`, and only the threads are resumed on the new server.
 */
export function detachAll(
  host: ReconnectHost,
  error: CodexConnectionLostError,
  info: TransportCloseInfo,
): void {
  host.broker.connectionLost();
  if (serverDied(info)) {
    for (const turn of [...host.router.runningTurns]) {
      turn._fail(
        new CodexTurnLostError(
          turn.threadId,
          turn.turnId,
          `the app-server ${info.reason}, and a turn does not outlive its server; a new server is started ` +
            "and the thread resumed, not the turn",
          { cause: error },
        ),
      );
    }
    return;
  }
  host.router.cutTurnStarts();
  for (const turn of host.router.runningTurns) turn._detach(error.message);
}

/**
 * The `resuming` step of `reconnecting`: every open thread is resumed on the new connection (a thread's
 * notifications go only to connections that resumed it). A thread with a running turn, or with a turn
 * start the drop cut, must come back, else the step fails (and is attempted again); an idle one that does
 * not is reported through `onError`. Each running turn then goes on from the resumed turn (see
 * `TurnRecovery`); one the server no longer has fails with `CodexTurnLostError`. A cut start learns
 * from the resumed thread whether its turn started (see `beginTurn`).
 */
export async function resumeAll(host: ReconnectHost, signal: AbortSignal): Promise<void> {
  const running = new Map<string, TurnHandle[]>();
  for (const turn of host.router.runningTurns) {
    const list = running.get(turn.threadId);
    if (list === undefined) running.set(turn.threadId, [turn]);
    else list.push(turn);
  }
  const resumes: Promise<void>[] = [];
  const resumedTurns = new Map<string, Turn>();
  for (const thread of host.threads.values()) {
    const state = thread.state;
    if (state === "archived" || state === "closed" || state === "released") continue;
    const turns = running.get(thread.id) ?? [];
    const held = host.router.heldTurnStart(thread.id);
    const cutStart = held?.cutAt === undefined ? undefined : held;
    resumes.push(
      host.peer.request("thread/resume", { threadId: thread.id }, { signal }).then(
        (response: ThreadResumeResponse) => {
          thread.info = response.thread;
          if (cutStart !== undefined) cutStart.resumed = response.thread;
          for (const resumed of response.thread.turns) resumedTurns.set(resumed.id, resumed);
          thread._settingsReported(settingsOfResponse(response));
          for (const turn of turns) {
            const resumed = response.thread.turns.find((t) => t.id === turn.turnId);
            if (resumed !== undefined) turn._reattach(resumed);
            else
              turn._fail(
                new CodexTurnLostError(turn.threadId, turn.turnId, "the resumed thread does not have it"),
              );
          }
        },
        (error: unknown) => {
          if (turns.length > 0 || cutStart !== undefined) throw error;
          host.onError(error as Error);
        },
      ),
    );
  }
  await Promise.all(resumes);
  host.broker.withdrawUnclaimed(resumedTurns);
}

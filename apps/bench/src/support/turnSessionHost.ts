#!/usr/bin/env node
/**
 * Holds one `TurnSession` in a process of its own, so its heap (10,000 open threads) neither slows
 * nor is slowed by the bench process's other work, and its CPU time is its own. Started with an IPC
 * channel by `remoteTurnSession.ts`: `turnSessionHost <kind> <recording> <threads> <name>`. Opens the
 * session, reports `opened`, then runs each `run` request and answers with its sample; `close` closes
 * the session and exits. Any failure is reported as `failed` and ends the process.
 */
import type { HostReply, HostRequest } from "./remoteTurnSession.js";
import { isSessionKind, SESSION_KINDS, type TurnSession } from "./turnSessions.js";

const [kind = "", recordingPath = "", threadsText = "", name = kind] = process.argv.slice(2);

function reply(message: HostReply): void {
  process.send?.(message);
}

function fail(error: unknown): void {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.send?.({ type: "failed", message } satisfies HostReply, () => process.exit(1));
}

async function main(): Promise<void> {
  if (process.send === undefined) throw new Error("turnSessionHost: needs an IPC channel (fork it)");
  if (!isSessionKind(kind)) throw new Error(`turnSessionHost: unknown session kind "${kind}"`);
  const session: TurnSession = await SESSION_KINDS[kind](recordingPath, Number(threadsText), name);
  // The bench is gone: stop (the transports take their replay children with them).
  process.on("disconnect", () => process.exit(0));
  reply({ type: "opened", setupCpuMs: session.setupCpuMs, heapUsed: process.memoryUsage().heapUsed });
  process.on("message", (request: HostRequest) => {
    if (request.type === "run") {
      session
        .runTurns(request.first, request.count)
        .then((sample) => reply({ type: "sample", sample }), fail);
    } else {
      session.close().then(() => process.disconnect(), fail);
    }
  });
}

main().catch(fail);

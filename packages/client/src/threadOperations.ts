import type {
  ThreadArchiveResponse,
  ThreadUnarchiveResponse,
  ThreadUnsubscribeResponse,
} from "@codex-app-server/protocol";
import { CodexInvalidStateError } from "./errors.js";
import type { ThreadEvent } from "./machines/threadMachine.js";
import type { ThreadHandle } from "./threadHandle.js";
import type { ThreadRegistry } from "./threadRegistry.js";

/** What the thread operations need of the client: its open threads and its requests. */
export interface ThreadOperationsHost {
  /** The client's open threads. */
  threads(): ThreadRegistry;
  unsubscribe(threadId: string): Promise<ThreadUnsubscribeResponse>;
  archive(threadId: string): Promise<ThreadArchiveResponse>;
  unarchive(threadId: string): Promise<ThreadUnarchiveResponse>;
}

/** Refuses `operation` (nothing sent) unless the thread's actor accepts `event` now. */
function assertThreadAccepts(
  thread: ThreadHandle,
  event: ThreadEvent,
  operation: string,
  hint: string,
): void {
  if (!thread.actor.getSnapshot().can(event)) {
    throw new CodexInvalidStateError(`thread:${thread.id}`, thread.state, operation, hint);
  }
}

/**
 * Lets an idle (or archived) thread go: its actor stops, the registry forgets it, then
 * `thread/unsubscribe`. `null` when the client did not have the thread open.
 */
export async function releaseThread(
  host: ThreadOperationsHost,
  threadId: string,
): Promise<ThreadUnsubscribeResponse | null> {
  const thread = host.threads().get(threadId);
  if (!thread) return null;
  assertThreadAccepts(thread, { type: "release" }, "release", "release an idle thread");
  thread.actor.send({ type: "release" });
  thread._released();
  host.threads().remove(thread);
  return host.unsubscribe(threadId);
}

/** `thread/archive`; a thread this client has open must be idle, and its actor goes `archived`. */
export async function archiveThread(
  host: ThreadOperationsHost,
  threadId: string,
): Promise<ThreadArchiveResponse> {
  const thread = host.threads().get(threadId);
  if (thread) assertThreadAccepts(thread, { type: "archived" }, "archive", "archive an idle thread");
  const response = await host.archive(threadId);
  thread?.actor.send({ type: "archived" });
  return response;
}

/** `thread/unarchive`; the thread's handle (a new one when the client did not have it open). */
export async function unarchiveThread(host: ThreadOperationsHost, threadId: string): Promise<ThreadHandle> {
  const response = await host.unarchive(threadId);
  const known = host.threads().get(threadId);
  if (known) {
    known.info = response.thread;
    known.actor.send({ type: "unarchived" });
    return known;
  }
  return host.threads().adopt(response.thread, "attach");
}

import type { Thread } from "@codex-app-server/protocol";
import type { Actor } from "xstate";
import type { ClientMachine } from "./machines/clientMachine.js";
import type { ThreadActorRef, ThreadHost } from "./threadHandle.js";
import { ThreadHandle } from "./threadHandle.js";
import type { ThreadSettingsSnapshot } from "./threadSettings.js";

export type ThreadOrigin = "start" | "resume" | "fork" | "attach";

/**
 * The threads a client has open: their handles, and the order in which they went idle, so that idle
 * threads beyond `maxIdleThreads` are released (least recently used first).
 */
export class ThreadRegistry {
  private readonly handles = new Map<string, ThreadHandle>();
  /** Idle threads, least recently used first (a Map keeps insertion order). */
  private readonly idle = new Map<string, ThreadHandle>();
  private readonly root: Actor<ClientMachine>;
  private readonly host: ThreadHost;
  private readonly maxIdle: number;
  private readonly release: (thread: ThreadHandle) => void;

  constructor(
    root: Actor<ClientMachine>,
    host: ThreadHost,
    maxIdle: number,
    release: (thread: ThreadHandle) => void,
  ) {
    this.root = root;
    this.host = host;
    this.maxIdle = maxIdle;
    this.release = release;
  }

  get map(): ReadonlyMap<string, ThreadHandle> {
    return this.handles;
  }

  get(threadId: string): ThreadHandle | undefined {
    return this.handles.get(threadId);
  }

  /**
   * The handle of a thread the server described: the known one, a released one brought back, or a new
   * one; `settings` when the server reported them (start, resume, fork).
   */
  adopt(
    info: Thread,
    origin: ThreadOrigin,
    settings?: ThreadSettingsSnapshot,
    released?: ThreadHandle,
  ): ThreadHandle {
    const known = this.handles.get(info.id);
    if (known) {
      known.info = info;
      if (settings) known._settingsReported(settings);
      return known;
    }
    this.root.send({ type: "spawn.thread", threadId: info.id, origin });
    const ref = this.root.getSnapshot().children[`thread:${info.id}`] as ThreadActorRef;
    const thread = released ?? new ThreadHandle(this.host, ref, info);
    if (released) released._reattach(ref, info);
    if (settings) thread._settingsReported(settings);
    this.handles.set(info.id, thread);
    ref.send({ type: "thread.ready" });
    this.markIdle(thread);
    return thread;
  }

  /** The thread is busy (a turn is starting): it cannot be released. */
  markBusy(thread: ThreadHandle): void {
    this.idle.delete(thread.id);
  }

  /** The thread is idle again: it becomes the most recently used, and the least recent beyond the bound go. */
  markIdle(thread: ThreadHandle): void {
    if (!this.handles.has(thread.id)) return;
    this.idle.delete(thread.id);
    this.idle.set(thread.id, thread);
    while (this.idle.size > this.maxIdle) {
      const oldest = this.idle.values().next().value as ThreadHandle;
      this.idle.delete(oldest.id);
      this.release(oldest);
    }
  }

  /** Forgets a thread (released or closed): its actor stops. */
  remove(thread: ThreadHandle): void {
    this.handles.delete(thread.id);
    this.idle.delete(thread.id);
    if (this.root.getSnapshot().status === "active")
      this.root.send({ type: "stop.child", id: `thread:${thread.id}` });
  }

  values(): IterableIterator<ThreadHandle> {
    return this.handles.values();
  }
}

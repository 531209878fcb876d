import type { ChildProcess } from "node:child_process";

const live = new Set<ChildProcess>();

function killAll(): void {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/**
 * Kill `child` synchronously if this process exits while it still runs. One `process.on("exit")`
 * listener serves every child; it is removed when the last one is released.
 */
export function reapOnExit(child: ChildProcess): void {
  if (live.size === 0) process.on("exit", killAll);
  live.add(child);
}

export function releaseOnExit(child: ChildProcess): void {
  if (!live.delete(child)) return;
  if (live.size === 0) process.off("exit", killAll);
}

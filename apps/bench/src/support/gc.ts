import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let cached: (() => void) | undefined;

/**
 * A full, synchronous garbage collection. Uses `globalThis.gc` under `--expose-gc`; otherwise turns
 * the flag on at run time and takes `gc` from a fresh context, so the memory figures never depend on
 * how the process was started.
 */
export function collectGarbage(): void {
  if (cached === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === "function") cached = exposed;
    else {
      setFlagsFromString("--expose-gc");
      cached = runInNewContext("gc") as () => void;
    }
  }
  cached();
}

/** Heap in use after a full collection, in bytes. */
export function retainedHeap(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

export interface MemoryPeaks {
  /** Highest `heapUsed` seen, in bytes (garbage not yet collected included). */
  heapUsed: number;
  /** Highest resident set size seen, in bytes. */
  rss: number;
}

/**
 * Samples `process.memoryUsage()` on a timer while a piece of work runs. The timer fires between
 * the I/O callbacks that carry the work, so a stream of messages is sampled as it flows.
 */
export class MemorySampler {
  private readonly timer: ReturnType<typeof setInterval>;
  private heapUsed = 0;
  private rss = 0;

  constructor(intervalMs = 10) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const usage = process.memoryUsage();
    if (usage.heapUsed > this.heapUsed) this.heapUsed = usage.heapUsed;
    if (usage.rss > this.rss) this.rss = usage.rss;
  }

  stop(): MemoryPeaks {
    clearInterval(this.timer);
    this.sample();
    return { heapUsed: this.heapUsed, rss: this.rss };
  }
}

export const MB = 1024 * 1024;

/**
 * CPU time of this process (user + system, all its threads: the main thread, the garbage collector's
 * helpers, libuv's pool), in milliseconds since the clock was made. A child process's time is not in it.
 */
export function cpuClock(): () => number {
  const start = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
}

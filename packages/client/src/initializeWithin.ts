import { CodexTimeoutError } from "@codex-app-server/transport";

/**
 * Runs `initialize` within `timeoutMs` and returns what it returns (`null`: no bound of its own). On a timeout, or any failure,
 * `close` runs (the transport closes, a spawned server is stopped) before the error is thrown; a
 * timeout throws `CodexTimeoutError`. The time counts from `startedAt` (`performance.now()`), default now.
 */
export async function initializeWithin<T>(
  initialize: () => Promise<T>,
  close: () => Promise<void>,
  timeoutMs: number | null,
  startedAt: number = performance.now(),
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const initialized = initialize();
    if (timeoutMs === null) return await initialized;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          reject(
            new CodexTimeoutError(
              `the app-server did not start and answer initialize within ${timeoutMs} ms (connectTimeoutMs)`,
              { method: "initialize", timeoutMs },
            ),
          );
        },
        timeoutMs - (performance.now() - startedAt),
      );
    });
    return await Promise.race([initialized, timedOut]);
  } catch (error) {
    await close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `promise` resolves within `ms`. The timer is cleared either way and never keeps a Node process alive. */
export async function resolvesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    // Optional: outside Node (a WHATWG WebSocket in another runtime) a timer may be a plain number.
    (timer as { unref?: () => void }).unref?.();
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

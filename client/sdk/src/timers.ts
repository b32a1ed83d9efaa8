/** setTimeout that does not keep a Node process alive (browsers have no such notion). */
export function backgroundTimeout(callback: () => void, ms: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(callback, Math.max(0, Math.min(ms, 2_147_483_647)));
  (timer as unknown as { unref?: () => void }).unref?.();
  return timer;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with jitter: about 300 ms, 600 ms, 1.2 s … up to `maxMs`. */
export function backoffMs(attempt: number, baseMs = 300, maxMs = 10_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

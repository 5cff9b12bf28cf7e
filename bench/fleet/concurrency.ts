/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** `promise`, or a rejection naming `what` once `ms` passed: no wait in the benchmark is open-ended. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Polls `probe` every `everyMs` until it returns true; false when `ms` passed first. */
export async function pollUntil(probe: () => Promise<boolean>, ms: number, everyMs = 200): Promise<boolean> {
  const until = performance.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (performance.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Appended to the timeout error, e.g. the log of the process under test. */
  detail?: () => string;
}

/** Polls `fn` until it returns something other than undefined, null or false, and returns that. */
export async function pollUntil<T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, opts: PollOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${opts.detail?.() ?? ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
}

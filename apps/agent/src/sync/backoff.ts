// Reconnect delays: exponential with "full jitter" (a uniformly random delay up to the current
// cap), so a thousand agents that lost the controller at the same moment do not all come back in
// the same second. Reset after a connection that stayed up long enough to count as healthy.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Random source in [0, 1); injectable for tests. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly opts: BackoffOptions) {
    this.random = opts.random ?? Math.random;
  }

  /** The delay before the next attempt; grows with every call until reset(). */
  next(): number {
    const cap = Math.min(this.opts.maxMs, this.opts.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    // Never below a small floor: a zero delay in a tight failure loop would spin the CPU.
    return Math.max(Math.min(50, cap), Math.round(cap * this.random()));
  }

  reset(): void {
    this.attempt = 0;
  }
}

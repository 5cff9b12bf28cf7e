// Runs an async task on request, at most once per interval, never twice at once, and coalesces
// requests that arrive meanwhile into one trailing run. Used for dataplane reports: a burst of
// fifty applies must not cause fifty `nft list` / `tc -s` dumps of a large host.

export class ThrottledTask {
  private lastStart = Number.NEGATIVE_INFINITY;
  private running = false;
  private pending = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly minIntervalMs: number,
  ) {}

  request(): void {
    if (this.stopped) return;
    this.pending = true;
    this.schedule();
  }

  /** Drops pending requests; a running task finishes on its own. */
  stop(): void {
    this.stopped = true;
    this.pending = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.running || this.timer || !this.pending || this.stopped) return;
    const wait = this.lastStart + this.minIntervalMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, wait);
      this.timer.unref();
      return;
    }
    this.pending = false;
    this.running = true;
    this.lastStart = Date.now();
    // The task reports its own errors; a failure must not stop later runs.
    void this.task()
      .catch(() => undefined)
      .finally(() => {
        this.running = false;
        this.schedule();
      });
  }
}

/**
 * In-process FIFO per key. Writers that would all wait on one row lock (say, a burst of peer
 * creates on one interface) wait here instead, without each holding a pooled database connection
 * while they wait: a burst then neither starves the pool for other requests nor runs into the
 * pool's acquire timeout (a 503). Across replicas the row lock still decides.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

import { KeyedQueue } from './keyed-queue';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('KeyedQueue', () => {
  it('runs tasks of one key one after another, in arrival order', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    let running = 0;
    const task = (name: string) => async (): Promise<string> => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      running--;
      return name;
    };
    await expect(Promise.all(['a', 'b', 'c'].map((n) => queue.run('k', task(n))))).resolves.toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('runs tasks of different keys side by side', async () => {
    const queue = new KeyedQueue();
    let release = (): void => undefined;
    const blocker = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = queue.run('a', () => blocker.then(() => 'a'));
    await expect(queue.run('b', async () => 'b')).resolves.toBe('b');
    release();
    await expect(first).resolves.toBe('a');
  });

  it('passes a failure to its caller only, and goes on with the next task', async () => {
    const queue = new KeyedQueue();
    const failing = queue.run('k', async () => {
      throw new Error('boom');
    });
    const next = queue.run('k', async () => 'next');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
    // Nothing is left behind for an idle key.
    expect((queue as unknown as { tails: Map<string, unknown> }).tails.size).toBe(0);
  });
});

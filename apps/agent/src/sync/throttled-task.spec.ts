import { ThrottledTask } from './throttled-task';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('ThrottledTask', () => {
  it('runs the first request at once and coalesces a burst into one trailing run', async () => {
    const starts: number[] = [];
    const t0 = Date.now();
    const task = new ThrottledTask(async () => {
      starts.push(Date.now() - t0);
    }, 100);
    for (let i = 0; i < 20; i++) task.request();
    await sleep(20);
    expect(starts).toHaveLength(1);
    await sleep(150);
    expect(starts).toHaveLength(2);
    expect(starts[1] as number).toBeGreaterThanOrEqual(95);
    task.stop();
  });

  it('never overlaps runs and keeps going after a failure', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const task = new ThrottledTask(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(30);
      active--;
      runs++;
      if (runs === 1) throw new Error('boom');
    }, 0);
    task.request();
    await sleep(5);
    task.request();
    task.request();
    await sleep(100);
    expect({ runs, maxActive }).toEqual({ runs: 2, maxActive: 1 });
    task.stop();
  });

  it('drops pending requests when stopped', async () => {
    let runs = 0;
    const task = new ThrottledTask(async () => {
      runs++;
    }, 50);
    task.request();
    task.request();
    task.stop();
    task.request();
    await sleep(80);
    expect(runs).toBe(1);
  });
});

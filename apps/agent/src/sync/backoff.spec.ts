import { Backoff } from './backoff';

describe('Backoff', () => {
  it('grows exponentially up to the cap, with the delay drawn below the current bound', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1_000, random: () => 0.999 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 799, 999, 999]);
  });

  it('jitters over the whole range and never returns less than a small floor', () => {
    const b = new Backoff({ initialMs: 1_000, maxMs: 60_000, random: () => 0 });
    expect(b.next()).toBe(50);
    const r = new Backoff({ initialMs: 1_000, maxMs: 60_000, random: () => 0.5 });
    expect([r.next(), r.next(), r.next()]).toEqual([500, 1_000, 2_000]);
  });

  it('starts over after reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 10_000, random: () => 0.999 });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(100);
  });
});

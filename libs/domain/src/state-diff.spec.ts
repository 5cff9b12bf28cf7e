import { diffList } from './state-diff';

interface Row {
  id: string;
  v: number;
}

const row = (id: string, v = 0): Row => ({ id, v });
const diff = (a: Row[], b: Row[]) => diffList(a, b, (r) => r.id, (x, y) => x.v === y.v);
const ids = (rows: Row[]): string[] => rows.map((r) => r.id);

describe('diffList', () => {
  const base = ['a', 'b', 'c', 'd', 'e'].map((id) => row(id));

  it('finds nothing between equal lists, shared or copied', () => {
    expect(diff(base, base)).toEqual({ added: [], removed: [], changed: [] });
    expect(diff(base, base.map((r) => ({ ...r })))).toEqual({ added: [], removed: [], changed: [] });
  });

  it('finds an append, a removal in the middle and an in-place change', () => {
    expect(ids(diff(base, [...base, row('f')]).added)).toEqual(['f']);
    expect(ids(diff(base, base.filter((r) => r.id !== 'c')).removed)).toEqual(['c']);
    const changed = diff(base, base.map((r) => (r.id === 'b' ? row('b', 1) : r))).changed;
    expect(changed).toEqual([{ previous: row('b'), next: row('b', 1) }]);
  });

  it('handles reordering, replacement and several changes at once, changes in next order', () => {
    const next = [row('e', 2), row('x'), row('b'), row('a', 1), row('d')];
    const d = diff(base, next);
    expect(ids(d.added)).toEqual(['x']);
    expect(ids(d.removed)).toEqual(['c']);
    expect(d.changed.map((c) => c.next)).toEqual([row('e', 2), row('a', 1)]);
  });

  it('reports changes found in the common prefix and suffix in next order', () => {
    const next = [row('a', 1), row('b'), row('y'), row('d'), row('e', 1)];
    const d = diff(base, next);
    expect(ids(d.added)).toEqual(['y']);
    expect(ids(d.removed)).toEqual(['c']);
    expect(d.changed.map((c) => c.next.id)).toEqual(['a', 'e']);
  });

  it('handles empty sides', () => {
    expect(ids(diff([], base).added)).toEqual(ids(base));
    expect(ids(diff(base, []).removed)).toEqual(ids(base));
  });
});

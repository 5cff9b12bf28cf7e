import { effectiveBandwidth, kbitToMbit, mbitToKbit } from './bandwidth';

const def = { downloadKbit: 10000, uploadKbit: 5000 };

describe('effectiveBandwidth', () => {
  it('inherits each direction separately', () => {
    expect(effectiveBandwidth({ downloadKbit: null, uploadKbit: null }, def)).toEqual(def);
    expect(effectiveBandwidth({ downloadKbit: 2000, uploadKbit: null }, def)).toEqual({ downloadKbit: 2000, uploadKbit: 5000 });
    expect(effectiveBandwidth({ downloadKbit: null, uploadKbit: 100 }, def)).toEqual({ downloadKbit: 10000, uploadKbit: 100 });
  });

  it('keeps an explicit 0 (unlimited) instead of inheriting', () => {
    expect(effectiveBandwidth({ downloadKbit: 0, uploadKbit: 0 }, def)).toEqual({ downloadKbit: 0, uploadKbit: 0 });
  });
});

describe('unit conversion', () => {
  it('uses 1 Mbit = 1000 kbit', () => {
    expect(mbitToKbit(10)).toBe(10000);
    expect(mbitToKbit(1.5)).toBe(1500);
    expect(mbitToKbit(0)).toBe(0);
    expect(kbitToMbit(2500)).toBe(2.5);
  });
});

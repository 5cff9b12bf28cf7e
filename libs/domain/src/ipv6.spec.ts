import { formatIpv6, ipv6PrefixMask, parseIpv6 } from './ipv6';

describe('ipv6', () => {
  it('parses every spelling of an address to one number', () => {
    const one = 0xfd00n << 112n | 1n;
    for (const s of ['fd00::1', 'FD00::1', 'fd00:0::1', 'fd00:0000:0000:0000:0000:0000:0000:0001', 'Fd00:0:0:0:0:0:0:1']) expect(parseIpv6(s)).toBe(one);
    expect(parseIpv6('::')).toBe(0n);
    expect(parseIpv6('::1')).toBe(1n);
    expect(parseIpv6('1::')).toBe(1n << 112n);
    expect(parseIpv6('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe((1n << 128n) - 1n);
    expect(parseIpv6('::ffff:10.0.0.1')).toBe(0xffffn << 32n | 0x0a000001n);
  });

  it('refuses what is not an IPv6 address', () => {
    for (const bad of ['', '10.0.0.1', 'fd00::zz', 'fd00::1::2', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', 'fd00::1/128', ':::']) expect(parseIpv6(bad)).toBeNull();
  });

  it('writes the RFC 5952 form', () => {
    const cases: Array<[string, string]> = [
      ['fd00:0000:0000:0000:0000:0000:0000:0001', 'fd00::1'],
      ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of equal zero runs
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group is not compressed
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['fd00:0:0:0:0:0:0:0', 'fd00::'],
      ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ];
    for (const [input, expected] of cases) expect(formatIpv6(parseIpv6(input)!)).toBe(expected);
  });

  it('masks prefixes', () => {
    expect(ipv6PrefixMask(0)).toBe(0n);
    expect(ipv6PrefixMask(128)).toBe((1n << 128n) - 1n);
    expect(formatIpv6(ipv6PrefixMask(64))).toBe('ffff:ffff:ffff:ffff::');
    expect(formatIpv6(ipv6PrefixMask(1))).toBe('8000::');
  });
});

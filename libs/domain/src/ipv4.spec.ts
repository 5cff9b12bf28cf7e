import {
  cidrContains,
  cidrsOverlap,
  intToIpv4,
  ipv4ToInt,
  isIpv4,
  isIpv4Cidr,
  networkOf,
  parseIpv4Cidr,
} from './ipv4';

describe('ipv4', () => {
  it('converts addresses to unsigned ints and back', () => {
    expect(ipv4ToInt('0.0.0.0')).toBe(0);
    expect(ipv4ToInt('10.8.0.1')).toBe(0x0a080001);
    expect(ipv4ToInt('255.255.255.255')).toBe(0xffffffff);
    expect(intToIpv4(0xc0a80101)).toBe('192.168.1.1');
    expect(intToIpv4(ipv4ToInt('200.1.2.3'))).toBe('200.1.2.3');
    expect(() => intToIpv4(2 ** 32)).toThrow();
    expect(() => intToIpv4(-1)).toThrow();
  });

  it('accepts only strict dotted quads', () => {
    for (const ok of ['1.2.3.4', '0.0.0.0', '255.255.255.255', '10.0.0.10']) expect(isIpv4(ok)).toBe(true);
    for (const bad of ['01.2.3.4', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.4 ', '', 'a.b.c.d', '1..2.3', '::1']) {
      expect(isIpv4(bad)).toBe(false);
    }
    expect(() => ipv4ToInt('1.2.3.04')).toThrow(/not a valid IPv4/);
  });

  it('parses CIDRs keeping the written address', () => {
    expect(parseIpv4Cidr('10.8.0.1/24')).toEqual({
      address: '10.8.0.1',
      prefix: 24,
      network: ipv4ToInt('10.8.0.0'),
      broadcast: ipv4ToInt('10.8.0.255'),
      size: 256,
    });
    const all = parseIpv4Cidr('1.2.3.4/0');
    expect([all.network, all.broadcast, all.size]).toEqual([0, 0xffffffff, 2 ** 32]);
    expect(parseIpv4Cidr('9.9.9.9/32').size).toBe(1);
    expect(parseIpv4Cidr('255.255.255.255/31').network).toBe(0xfffffffe);
  });

  it('rejects bad CIDRs with a readable message', () => {
    for (const bad of ['10.8.0.0', '10.8.0.0/33', '10.8.0.0/-1', '10.8.0.0/024', '10.8.0.0/', '10.8.0/24', '10.8.0.0/24/1']) {
      expect(() => parseIpv4Cidr(bad)).toThrow(/not an IPv4 CIDR/);
      expect(isIpv4Cidr(bad)).toBe(false);
    }
  });

  it('computes networks, containment and overlap', () => {
    expect(networkOf('10.8.0.1/24')).toBe('10.8.0.0/24');
    expect(networkOf('172.16.5.9/12')).toBe('172.16.0.0/12');
    expect(cidrContains('10.8.0.0/24', '10.8.0.255')).toBe(true);
    expect(cidrContains('10.8.0.0/24', '10.8.1.0')).toBe(false);
    expect(cidrsOverlap('10.8.0.1/24', '10.8.0.0/16')).toBe(true);
    expect(cidrsOverlap('10.8.0.0/24', '10.8.1.0/24')).toBe(false);
    expect(cidrsOverlap('0.0.0.0/0', '1.2.3.4/32')).toBe(true);
  });
});

import { canonicalCidr, ipInAnyCidr, isCidr, isIp } from './ip-match';

describe('ipInAnyCidr', () => {
  it('matches IPv4 sources', () => {
    expect(ipInAnyCidr('10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(ipInAnyCidr('11.1.2.3', ['10.0.0.0/8', '192.168.0.0/16'])).toBe(false);
    expect(ipInAnyCidr('1.2.3.4', ['0.0.0.0/0'])).toBe(true);
  });

  it('matches IPv6 sources', () => {
    expect(ipInAnyCidr('2001:db8:1::5', ['2001:db8::/32'])).toBe(true);
    expect(ipInAnyCidr('2001:db9::5', ['2001:db8::/32'])).toBe(false);
    expect(ipInAnyCidr('::1', ['::1/128'])).toBe(true);
    expect(ipInAnyCidr('::1', ['127.0.0.0/8'])).toBe(false);
  });

  it('matches IPv4-mapped IPv6 sources against IPv4 CIDRs', () => {
    expect(ipInAnyCidr('::ffff:127.0.0.1', ['127.0.0.0/8'])).toBe(true);
    expect(ipInAnyCidr('::FFFF:10.0.0.1', ['127.0.0.0/8'])).toBe(false);
    expect(ipInAnyCidr('::ffff:7f00:1', ['127.0.0.1/32'])).toBe(true);
  });

  it('denies on empty lists, invalid sources and ignores invalid CIDRs', () => {
    expect(ipInAnyCidr('10.0.0.1', [])).toBe(false);
    expect(ipInAnyCidr('not-an-ip', ['0.0.0.0/0'])).toBe(false);
    expect(ipInAnyCidr('10.0.0.1', ['garbage', '10.0.0.0/99'])).toBe(false);
    expect(ipInAnyCidr('10.0.0.1', ['garbage', '10.0.0.0/8'])).toBe(true);
  });
});

describe('isCidr / isIp', () => {
  it('validates v4 and v6 CIDRs with required, in-range prefixes', () => {
    for (const ok of ['10.8.0.1/24', '0.0.0.0/0', '::/0', '2001:db8::/32', '::1/128']) expect(isCidr(ok)).toBe(true);
    for (const bad of ['10.8.0.1', '10.8.0.0/33', '::/129', '2001:db8::', 'fe80::1%eth0/64', '10.8.0.0/08', '']) {
      expect(isCidr(bad)).toBe(false);
    }
  });

  it('validates addresses', () => {
    expect(isIp('10.0.0.1')).toBe(true);
    expect(isIp('2001:db8::1')).toBe(true);
    expect(isIp('010.0.0.1')).toBe(false);
    expect(isIp('10.0.0.0/8')).toBe(false);
  });
});

describe('canonicalCidr', () => {
  it('gives IPv4 networks with host bits cleared', () => {
    expect(canonicalCidr('10.1.0.5/24')).toBe('10.1.0.0/24');
    expect(canonicalCidr('100.64.0.2/32')).toBe('100.64.0.2/32');
    expect(canonicalCidr('1.2.3.4/0')).toBe('0.0.0.0/0');
  });

  it('gives IPv6 networks as wg prints them: host bits cleared, lowercase, compressed', () => {
    for (const s of ['FD00::1/128', 'fd00:0::1/128', 'fd00:0000:0000:0000:0000:0000:0000:0001/128']) expect(canonicalCidr(s)).toBe('fd00::1/128');
    expect(canonicalCidr('fd00:0001:0:0::7/64')).toBe('fd00:1::/64');
    expect(canonicalCidr('2001:DB8:ABCD:12::1/48')).toBe('2001:db8:abcd::/48');
    expect(canonicalCidr('2001:db8::1/127')).toBe('2001:db8::/127');
    expect(canonicalCidr('::1/0')).toBe('::/0');
    expect(canonicalCidr('::/0')).toBe('::/0');
  });

  it('is null for what is not a CIDR', () => {
    for (const bad of ['fd00::1', '10.0.0.1', 'fd00::1/129', '10.0.0.0/33', 'fd00::zz/64', 'fe80::1%eth0/64', '10.0.0.0/024', '']) expect(canonicalCidr(bad)).toBeNull();
  });
});

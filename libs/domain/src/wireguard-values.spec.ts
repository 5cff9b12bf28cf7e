import {
  formatEndpoint,
  isValidDnsServer,
  isValidEndpoint,
  isValidHostname,
  isValidInterfaceName,
  parseEndpoint,
} from './wireguard-values';

describe('isValidInterfaceName', () => {
  it('follows Linux ifname rules', () => {
    for (const ok of ['wg0', 'wg-office', 'a', 'x.y=z+1_2', '123456789012345']) expect(isValidInterfaceName(ok)).toBe(true);
    for (const bad of ['', '.', '..', '1234567890123456', 'wg/0', 'wg 0', 'wg:0', 'wgé']) {
      expect(isValidInterfaceName(bad)).toBe(false);
    }
  });
});

describe('isValidHostname', () => {
  it('accepts RFC 1123 names', () => {
    for (const ok of ['vpn.example.com', 'localhost', '1st.example.com', 'a-b.c', `${'a'.repeat(63)}.com`]) {
      expect(isValidHostname(ok)).toBe(true);
    }
    for (const bad of ['', '-a.com', 'a-.com', 'a..com', 'a_b.com', `${'a'.repeat(64)}.com`, '1.2.3.999', 'example.com.']) {
      expect(isValidHostname(bad)).toBe(false);
    }
  });
});

describe('parseEndpoint', () => {
  it('parses host:port forms', () => {
    expect(parseEndpoint('203.0.113.5:51820')).toEqual({ host: '203.0.113.5', port: 51820 });
    expect(parseEndpoint('vpn.example.com:1')).toEqual({ host: 'vpn.example.com', port: 1 });
    expect(parseEndpoint('[2001:db8::1]:65535')).toEqual({ host: '2001:db8::1', port: 65535 });
  });

  it('parses bare hosts', () => {
    expect(parseEndpoint('vpn.example.com')).toEqual({ host: 'vpn.example.com', port: null });
    expect(parseEndpoint('203.0.113.5')).toEqual({ host: '203.0.113.5', port: null });
    expect(parseEndpoint('[2001:db8::1]')).toEqual({ host: '2001:db8::1', port: null });
    expect(parseEndpoint('2001:db8::1')).toEqual({ host: '2001:db8::1', port: null });
  });

  it('rejects bad endpoints', () => {
    for (const bad of ['', ':51820', 'host:0', 'host:65536', 'host:', 'host:01', '[2001:db8::1', '[vpn.example.com]:1', '1.2.3.999:5', 'a b:1', 'host:port']) {
      expect(parseEndpoint(bad)).toBeNull();
      expect(isValidEndpoint(bad)).toBe(false);
    }
  });

  it('formats endpoints back', () => {
    expect(formatEndpoint('vpn.example.com', 51820)).toBe('vpn.example.com:51820');
    expect(formatEndpoint('2001:db8::1', 51820)).toBe('[2001:db8::1]:51820');
  });
});

describe('isValidDnsServer', () => {
  it('accepts IP addresses only', () => {
    expect(isValidDnsServer('1.1.1.1')).toBe(true);
    expect(isValidDnsServer('2606:4700:4700::1111')).toBe(true);
    expect(isValidDnsServer('dns.example.com')).toBe(false);
    expect(isValidDnsServer('1.1.1.1/32')).toBe(false);
  });
});

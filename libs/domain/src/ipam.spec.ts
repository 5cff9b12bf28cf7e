import { intToIpv4, ipv4ToInt } from './ipv4';
import {
  addressOffset,
  availableAddresses,
  nextFreeInterfaceName,
  nextFreeListenPort,
  nextFreeSubnet,
} from './ipam';

/** The lowest free address, as the controller's allocator picks it. */
const lowestFree = (cidr: string, used: string[]): string | null => availableAddresses(cidr, used, 1)[0] ?? null;

describe('address allocation', () => {
  it('never hands out the network, broadcast or interface address', () => {
    expect(lowestFree('10.8.0.1/24', [])).toBe('10.8.0.2');
    expect(lowestFree('10.8.0.7/24', [])).toBe('10.8.0.1');
    const all = availableAddresses('10.8.0.1/24', [], 1000);
    expect(all).toHaveLength(253);
    expect(all).not.toContain('10.8.0.0');
    expect(all).not.toContain('10.8.0.1');
    expect(all).not.toContain('10.8.0.255');
    expect(all[all.length - 1]).toBe('10.8.0.254');
  });

  it('skips used addresses (with or without /32) and returns null when full', () => {
    expect(lowestFree('10.8.0.1/24', ['10.8.0.2', '10.8.0.3/32'])).toBe('10.8.0.4');
    expect(lowestFree('10.8.0.1/30', [])).toBe('10.8.0.2');
    expect(lowestFree('10.8.0.1/30', ['10.8.0.2'])).toBeNull();
    expect(availableAddresses('10.8.0.1/30', ['10.8.0.2'], 10)).toEqual([]);
  });

  it('respects the limit and order', () => {
    expect(availableAddresses('10.8.0.1/24', ['10.8.0.3'], 3)).toEqual(['10.8.0.2', '10.8.0.4', '10.8.0.5']);
    expect(availableAddresses('10.8.0.1/24', [], 0)).toEqual([]);
  });

  it('handles a /16 with 60k used', () => {
    const used: string[] = [];
    const base = ipv4ToInt('10.9.0.0');
    for (let i = 2; i < 60002; i++) used.push(intToIpv4(base + i));
    expect(lowestFree('10.9.0.1/16', used)).toBe('10.9.234.98');
    expect(availableAddresses('10.9.0.1/16', used, 500)).toHaveLength(500);
  });

  it('computes the stable offset and rejects outside addresses', () => {
    expect(addressOffset('10.8.0.1/24', '10.8.0.2')).toBe(2);
    expect(addressOffset('10.8.0.1/16', '10.8.1.0')).toBe(256);
    expect(() => addressOffset('10.8.0.1/24', '10.8.1.2')).toThrow(/outside/);
  });
});

describe('nextFreeSubnet', () => {
  it('returns the first free block as an interface CIDR', () => {
    expect(nextFreeSubnet('10.8.0.0/16', 24, [])).toBe('10.8.0.1/24');
    expect(nextFreeSubnet('10.8.0.0/16', 24, ['10.8.0.1/24'])).toBe('10.8.1.1/24');
    expect(nextFreeSubnet('10.8.0.0/16', 24, ['10.8.1.1/24'])).toBe('10.8.0.1/24');
    expect(nextFreeSubnet('10.8.0.0/16', 24, ['10.8.0.1/24', '10.8.2.1/24', '10.8.1.1/24'])).toBe('10.8.3.1/24');
  });

  it('skips blocks partly covered by a smaller or bigger taken network', () => {
    expect(nextFreeSubnet('10.8.0.0/16', 24, ['10.8.0.128/25'])).toBe('10.8.1.1/24');
    expect(nextFreeSubnet('10.0.0.0/8', 24, ['10.0.0.1/16', '10.1.0.0/16'])).toBe('10.2.0.1/24');
    expect(nextFreeSubnet('10.8.0.0/16', 24, ['10.0.0.0/8'])).toBeNull();
    expect(nextFreeSubnet('10.8.0.0/16', 24, ['10.8.0.0/17'])).toBe('10.8.128.1/24');
  });

  it('ignores taken networks outside the pool', () => {
    expect(nextFreeSubnet('10.8.0.0/16', 24, ['192.168.0.1/24', '10.9.0.1/24'])).toBe('10.8.0.1/24');
  });

  it('returns null when the pool is exhausted', () => {
    const taken = Array.from({ length: 256 }, (_, i) => `10.8.${i}.1/24`);
    expect(nextFreeSubnet('10.8.0.0/16', 24, taken)).toBeNull();
    expect(nextFreeSubnet('10.8.0.0/24', 24, ['10.8.0.1/24'])).toBeNull();
    expect(nextFreeSubnet('10.8.0.0/16', 16, [])).toBe('10.8.0.1/16');
  });

  it('is quick for a /8 pool with /24 blocks and many taken', () => {
    const taken = Array.from({ length: 65535 }, (_, i) => `10.${i >> 8}.${i & 255}.1/24`).reverse();
    expect(nextFreeSubnet('10.0.0.0/8', 24, taken)).toBe('10.255.255.1/24');
  });

  it('rejects impossible block sizes', () => {
    expect(() => nextFreeSubnet('10.8.0.0/16', 8, [])).toThrow();
    expect(() => nextFreeSubnet('10.8.0.0/16', 31, [])).toThrow();
  });
});

describe('ports and names', () => {
  it('allocates listen ports', () => {
    expect(nextFreeListenPort([])).toBe(51820);
    expect(nextFreeListenPort([51820, 51821, 51823])).toBe(51822);
    expect(nextFreeListenPort([10, 11], 10, 11)).toBeNull();
    expect(nextFreeListenPort([65535], 65535)).toBeNull();
  });

  it('allocates interface names', () => {
    expect(nextFreeInterfaceName([])).toBe('wg0');
    expect(nextFreeInterfaceName(['wg0', 'wg1', 'wg3', 'eth0'])).toBe('wg2');
    expect(nextFreeInterfaceName(new Set(['wg1']))).toBe('wg0');
  });
});

// Address, subnet, port and name allocation. Pure: callers pass what is in use; the database's
// unique constraints settle races between concurrent allocations.
import { intToIpv4, ipv4ToInt, parseIpv4Cidr } from './ipv4';

// Peers may be stored as "10.8.0.2" or "10.8.0.2/32"; only the address matters here.
function addressInt(ip: string): number {
  const slash = ip.indexOf('/');
  return ipv4ToInt(slash === -1 ? ip : ip.slice(0, slash));
}

/** Free peer addresses in ascending order: never the network, broadcast or interface address. */
export function availableAddresses(interfaceCidr: string, used: Iterable<string>, limit: number): string[] {
  const c = parseIpv4Cidr(interfaceCidr);
  const taken = new Set<number>();
  for (const ip of used) taken.add(addressInt(ip));
  taken.add(ipv4ToInt(c.address));

  const result: string[] = [];
  for (let n = c.network + 1; n < c.broadcast && result.length < limit; n++) {
    if (!taken.has(n)) result.push(intToIpv4(n));
  }
  return result;
}

/** The address's position in the subnet: a stable small id per peer (tc classes, marks). */
export function addressOffset(interfaceCidr: string, ip: string): number {
  const c = parseIpv4Cidr(interfaceCidr);
  const n = ipv4ToInt(ip);
  if (n < c.network || n > c.broadcast) throw new Error(`${ip} is outside ${interfaceCidr}`);
  return n - c.network;
}

/**
 * First block of /`prefix` in `pool` overlapping none of `taken`, as an interface CIDR using the
 * block's first usable address ("10.8.1.1/24"). Sorted sweep: cost is O(taken log taken), not
 * O(blocks × taken).
 */
export function nextFreeSubnet(pool: string, prefix: number, taken: string[]): string | null {
  const p = parseIpv4Cidr(pool);
  if (!Number.isInteger(prefix) || prefix < p.prefix || prefix > 30) {
    throw new Error(`prefix /${prefix} must be between /${p.prefix} and /30 for pool ${pool}`);
  }
  const blockSize = 2 ** (32 - prefix);
  const ranges = taken
    .map((t) => parseIpv4Cidr(t))
    .filter((t) => t.broadcast >= p.network && t.network <= p.broadcast)
    .sort((a, b) => a.network - b.network);

  let candidate = p.network;
  for (const r of ranges) {
    if (candidate + blockSize - 1 > p.broadcast) return null;
    if (r.broadcast < candidate) continue;
    // Sorted by start: if this range begins after the candidate block, so do all the rest.
    if (r.network > candidate + blockSize - 1) break;
    // Overlap: jump to the first aligned block after the taken range.
    candidate = p.network + Math.ceil((r.broadcast + 1 - p.network) / blockSize) * blockSize;
  }
  if (candidate + blockSize - 1 > p.broadcast) return null;
  return `${intToIpv4(candidate + 1)}/${prefix}`;
}

export function nextFreeListenPort(used: Iterable<number>, start = 51820, end = 65535): number | null {
  const taken = new Set(used);
  for (let port = start; port <= end; port++) {
    if (!taken.has(port)) return port;
  }
  return null;
}

/** Smallest free `wgN`. */
export function nextFreeInterfaceName(used: Iterable<string>): string {
  const taken = new Set(used);
  for (let n = 0; ; n++) {
    const name = `wg${n}`;
    if (!taken.has(name)) return name;
  }
}

// IPv6 addresses as 128-bit BigInts, for the arithmetic IPv4 does on numbers (ipv4.ts): masking
// host bits, and writing an address in its one canonical text form.
import { isIPv6 } from 'node:net';
import { ipv4ToInt } from './ipv4';

const GROUPS = 8;
const EMBEDDED_IPV4_RE = /(\d{1,3}(?:\.\d{1,3}){3})$/;

/** "fd00::1" → 0xfd00…0001n. Null for anything that is not an IPv6 address (zone ids included). */
export function parseIpv6(address: string): bigint | null {
  if (address.includes('%') || !isIPv6(address)) return null;
  let text = address.toLowerCase();
  // "::ffff:10.0.0.1": the last 32 bits written as a dotted quad.
  const v4 = EMBEDDED_IPV4_RE.exec(text)?.[1];
  if (v4 !== undefined) {
    let n: number;
    try {
      n = ipv4ToInt(v4);
    } catch {
      return null;
    }
    text = `${text.slice(0, -v4.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? headGroups : [...headGroups, ...new Array<string>(GROUPS - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  if (groups.length !== GROUPS) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/**
 * The RFC 5952 text of an address: lowercase hex, no leading zeros, the longest run of two or more
 * zero groups (the first of equal runs) written "::". An embedded IPv4 tail stays hex.
 */
export function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: GROUPS }, (_, i) => Number((value >> BigInt(16 * (GROUPS - 1 - i))) & 0xffffn));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < GROUPS; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < GROUPS && groups[end] === 0) end++;
    if (end - i > best.length) best = { start: i, length: end - i };
    i = end;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.length < 2) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

/** The mask of an IPv6 prefix length (0-128). */
export function ipv6PrefixMask(prefix: number): bigint {
  const all = (1n << 128n) - 1n;
  return prefix === 0 ? 0n : (all << BigInt(128 - prefix)) & all;
}

// IPv4-and-IPv6 CIDRs: validity, canonical form, and source-address checks for API keys' allowed CIDRs.
import { BlockList, isIPv6 } from 'node:net';
import { isIpv4, networkOf } from './ipv4';
import { formatIpv6, ipv6PrefixMask, parseIpv6 } from './ipv6';

// Dual-stack sockets report IPv4 clients as "::ffff:a.b.c.d"; they must match IPv4 CIDRs.
const MAPPED_V4_RE = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

function isIpv6Address(s: string): boolean {
  // Zone ids ("fe80::1%eth0") are link-local details, never part of a configured CIDR.
  return !s.includes('%') && isIPv6(s);
}

export function isIp(s: string): boolean {
  return isIpv4(s) || isIpv6Address(s);
}

function splitCidr(s: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const parts = s.split('/');
  if (parts.length !== 2) return null;
  const [address, prefixText] = parts as [string, string];
  if (!/^(0|[1-9]\d{0,2})$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (isIpv4(address)) return prefix <= 32 ? { address, prefix, family: 'ipv4' } : null;
  if (isIpv6Address(address)) return prefix <= 128 ? { address, prefix, family: 'ipv6' } : null;
  return null;
}

/** IPv4 or IPv6 CIDR with a mandatory, in-range prefix. Host bits may be set ("10.8.0.1/24"). */
export function isCidr(s: string): boolean {
  return splitCidr(s) !== null;
}

/**
 * A CIDR as WireGuard holds and prints it: the network (host bits cleared) in canonical text —
 * "10.1.0.0/24" for "10.1.0.5/24", "fd00::/64" for "FD00:0:0::1/64". Two spellings of one network
 * give one string, so compare CIDRs through this. Null when `s` is not a CIDR (see isCidr).
 */
export function canonicalCidr(s: string): string | null {
  const c = splitCidr(s);
  if (!c) return null;
  if (c.family === 'ipv4') return networkOf(`${c.address}/${c.prefix}`);
  const value = parseIpv6(c.address);
  return value === null ? null : `${formatIpv6(value & ipv6PrefixMask(c.prefix))}/${c.prefix}`;
}

/** Invalid CIDRs in the list are ignored: a bad entry must never widen access. */
export function ipInAnyCidr(ip: string, cidrs: string[]): boolean {
  const mapped = MAPPED_V4_RE.exec(ip);
  const source = mapped && isIpv4(mapped[1]!) ? mapped[1]! : ip;
  const family = isIpv4(source) ? 'ipv4' : isIpv6Address(source) ? 'ipv6' : null;
  if (!family) return false;

  const list = new BlockList();
  for (const cidr of cidrs) {
    const c = splitCidr(cidr.trim());
    if (c) list.addSubnet(c.address, c.prefix, c.family);
  }
  // BlockList also matches hex-form mapped addresses (::ffff:7f00:1) against IPv4 rules.
  return list.check(source, family);
}

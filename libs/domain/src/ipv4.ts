// IPv4 arithmetic on unsigned 32-bit integers. JS bitwise operators are signed 32-bit, so every
// result that can have the top bit set goes through `>>> 0`.

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
// No leading zeros: "010" is octal to some tools (inet_aton) and decimal to others.
const IPV4_RE = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const PREFIX_RE = /^(0|[1-9]\d?)$/;

export interface Ipv4Cidr {
  /** The address as written, e.g. "10.8.0.1" for "10.8.0.1/24". */
  address: string;
  prefix: number;
  network: number;
  broadcast: number;
  /** Number of addresses in the block, 2^(32 - prefix). */
  size: number;
}

export function isIpv4(s: string): boolean {
  return IPV4_RE.test(s);
}

export function ipv4ToInt(ip: string): number {
  const m = IPV4_RE.exec(ip);
  if (!m) throw new Error(`"${ip}" is not a valid IPv4 address`);
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

export function intToIpv4(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`${n} is not a valid IPv4 integer`);
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

export function prefixMask(prefix: number): number {
  // `<< 32` is a no-op in JS, so /0 needs its own case.
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function parseIpv4Cidr(cidr: string): Ipv4Cidr {
  const parts = cidr.split('/');
  if (parts.length !== 2) throw new Error(`"${cidr}" is not an IPv4 CIDR (expected address/prefix)`);
  const [address, prefixText] = parts as [string, string];
  if (!isIpv4(address)) throw new Error(`"${cidr}" is not an IPv4 CIDR: bad address`);
  const prefix = Number(prefixText);
  if (!PREFIX_RE.test(prefixText) || prefix > 32) {
    throw new Error(`"${cidr}" is not an IPv4 CIDR: prefix must be 0-32`);
  }
  const size = 2 ** (32 - prefix);
  const network = (ipv4ToInt(address) & prefixMask(prefix)) >>> 0;
  return { address, prefix, network, broadcast: network + size - 1, size };
}

export function isIpv4Cidr(s: string): boolean {
  try {
    parseIpv4Cidr(s);
    return true;
  } catch {
    return false;
  }
}

/** "10.8.0.1/24" → "10.8.0.0/24". */
export function networkOf(cidr: string): string {
  const c = parseIpv4Cidr(cidr);
  return `${intToIpv4(c.network)}/${c.prefix}`;
}

export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseIpv4Cidr(cidr);
  const n = ipv4ToInt(ip);
  return n >= c.network && n <= c.broadcast;
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseIpv4Cidr(a);
  const y = parseIpv4Cidr(b);
  return x.network <= y.broadcast && y.network <= x.broadcast;
}

import { ipv4ToInt, parseIpv4Cidr, type InterfaceState, type PeerState } from '@wgfleet/domain';

// Naming and numbering of everything the tc driver creates. Pure: the same state always maps to
// the same device names, class ids and filter handles, so incremental changes and deletes never
// need a listing of the kernel's objects.

export type Direction = 'down' | 'up';
export const DIRECTIONS: readonly Direction[] = ['down', 'up'];

/** Filter preference of our dispatch filters on the WireGuard interface's clsact hooks. Another
 * tool's filters at other preferences on the same hooks are left alone. */
export const DISPATCH_PRIO = 4242;
/** Filter preference of the classifier on our IFB devices (the whole device is ours). */
export const CLASSIFY_PRIO = 10;
/** Class minor of the unshaped default class (peers without a limit, foreign traffic). */
export const DEFAULT_MINOR = 0xffff;
/** Level-1 u32 hash table (keyed by the address's third octet) on each IFB device. */
export const L1_TABLE = 0x1;
/** Level-2 tables are 0x100 + third octet, each keyed by the fourth octet. */
export const L2_TABLE_BASE = 0x100;
/** ifalias written on every IFB device we create; only devices carrying it are ever modified. */
export const ALIAS_PREFIX = 'wgfleet-tc:';

/** Soft ceiling of HTB classes per IFB device (see the measurements in tc-driver.ts). */
export const DEFAULT_CLASSES_PER_DEVICE = 800;
/** Hard ceiling of IFB devices per direction per interface: the dispatch hash keys on the low
 * 6 bits of the address's last octet. */
export const MAX_SHARDS = 64;

export interface Subnet {
  network: number;
  prefix: number;
  /** "100.64.0.0/16", as used in u32 matches. */
  cidr: string;
}

export interface ShapedPeer {
  peerId: string;
  shapingId: number;
  /** Tunnel address as an unsigned 32-bit integer. */
  address: number;
  rateKbit: number;
}

export interface IfbDevice {
  name: string;
  ifname: string;
  direction: Direction;
  shard: number;
}

export function subnetOf(iface: InterfaceState): Subnet {
  const c = parseIpv4Cidr(iface.address);
  const a = c.network;
  const cidr = `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}/${c.prefix}`;
  return { network: c.network, prefix: c.prefix, cidr };
}

/** Number of IFB devices for one direction: a power of two (the kernel-side dispatch is a u32
 * hash on the address's low bits), enough to keep each under `perDevice` classes. */
export function shardCount(classes: number, perDevice = DEFAULT_CLASSES_PER_DEVICE): number {
  if (classes <= 0) return 0;
  const wanted = Math.ceil(classes / perDevice);
  let k = 1;
  while (k < wanted && k < MAX_SHARDS) k *= 2;
  return k;
}

/** Which shard carries an address. Equal to shapingId & (k-1) as well, because addresses are
 * network | offset and k never exceeds the subnet size in practice; but the kernel hashes the
 * address, so we do too. */
export function shardOf(address: number, shards: number): number {
  return shards <= 1 ? 0 : address & (shards - 1);
}

export function classMinor(shapingId: number): number {
  if (!Number.isInteger(shapingId) || shapingId < 1 || shapingId >= DEFAULT_MINOR) {
    throw new Error(`shapingId ${shapingId} out of range 1-65534`);
  }
  return shapingId;
}

export function hex(n: number): string {
  return n.toString(16);
}

export function l2Table(address: number): number {
  return L2_TABLE_BASE + ((address >>> 8) & 0xff);
}

/** Stable handle of a peer's exact-match filter: table of its 3rd octet, bucket of its 4th,
 * node 1 (one address per bucket, so never more than one node). */
export function peerFilterHandle(address: number): string {
  return `${hex(l2Table(address))}:${hex(address & 0xff)}:1`;
}

/** FNV-1a, enough to shorten long interface names deterministically. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** "wg0" → "wg0-d0" / "wg0-u3"; names too long for IFNAMSIZ (15) → "wgt" + 6 hex of a hash. */
export function deviceName(ifname: string, direction: Direction, shard: number): string {
  const suffix = `-${direction === 'down' ? 'd' : 'u'}${shard}`;
  if (ifname.length + suffix.length <= 15) return `${ifname}${suffix}`;
  return `wgt${fnv1a(ifname).toString(16).padStart(8, '0').slice(0, 6)}${suffix}`;
}

export function aliasFor(dev: Pick<IfbDevice, 'ifname' | 'direction' | 'shard'>): string {
  return `${ALIAS_PREFIX}${dev.ifname}:${dev.direction}:${dev.shard}`;
}

export function parseAlias(alias: string | undefined): Omit<IfbDevice, 'name'> | null {
  if (!alias || !alias.startsWith(ALIAS_PREFIX)) return null;
  const m = /^(.+):(down|up):(\d+)$/.exec(alias.slice(ALIAS_PREFIX.length));
  if (!m) return null;
  return { ifname: m[1] as string, direction: m[2] as Direction, shard: Number(m[3]) };
}

export function devicesFor(ifname: string, shards: Record<Direction, number>): IfbDevice[] {
  const out: IfbDevice[] = [];
  for (const direction of DIRECTIONS) {
    for (let shard = 0; shard < shards[direction]; shard++) {
      out.push({ name: deviceName(ifname, direction, shard), ifname, direction, shard });
    }
  }
  return out;
}

export function rateOf(peer: PeerState, direction: Direction): number {
  return direction === 'down' ? peer.bandwidth.downloadKbit : peer.bandwidth.uploadKbit;
}

export function shapedPeer(peer: PeerState, direction: Direction): ShapedPeer | null {
  const rateKbit = rateOf(peer, direction);
  if (!(rateKbit > 0)) return null;
  classMinor(peer.shapingId);
  return { peerId: peer.id, shapingId: peer.shapingId, address: ipv4ToInt(peer.address), rateKbit };
}

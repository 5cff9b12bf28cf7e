import {
  CLASSIFY_PRIO,
  DEFAULT_MINOR,
  DISPATCH_PRIO,
  L1_TABLE,
  classMinor,
  hex,
  l2Table,
  peerFilterHandle,
  type Direction,
  type IfbDevice,
  type ShapedPeer,
  type Subnet,
} from './tc-layout';

// Pure builders of `tc -batch` input. Nothing here runs a command, so every line the driver
// sends is unit-testable. All names/values interpolated here come from validated state
// (interface names match [A-Za-z0-9_.=+-]{1,15}, addresses are parsed integers, rates numbers).

/** Where the address sits in the IPv4 header: download is classified by destination, upload
 * (traffic from the peer) by source. u32 offsets are relative to the network header, so the
 * same filters work on wg (no L2 header) and veth (Ethernet). */
export function addressOffset(direction: Direction): number {
  return direction === 'down' ? 16 : 12;
}

function matchField(direction: Direction): 'dst' | 'src' {
  return direction === 'down' ? 'dst' : 'src';
}

function ip(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

function mask32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** HTB parameters of a class, as numbers: what the driver configures and what it compares a
 * class read back from the kernel against. */
export interface HtbClassSpec {
  rateBits: number;
  ceilBits: number;
  /** bytes */
  burst: number;
  cburst: number;
  quantum: number;
}

/**
 * HTB parameters of one peer class.
 * - rate = ceil: a peer never borrows, so its class is a plain token bucket at its limit.
 * - burst/cburst: at least 20 ms of the rate and never below 16 KiB. tc's default (rate/HZ + MTU,
 *   1.6 KB at 8 Mbit/s) is smaller than one GSO super-packet (up to 64 KiB on wg/veth/IFB), which
 *   makes the bucket oscillate and TCP settle well below the limit; 20 ms keeps measured TCP
 *   throughput within a few percent of the limit while bounding the line-rate burst a peer can
 *   send after idling.
 * - quantum: only weighs round-robin between classes that borrow; ours don't, so a fixed value
 *   above the MTU just avoids the kernel's "quantum is small/big" warning per class.
 */
export function peerClassSpec(rateKbit: number): HtbClassSpec {
  if (!Number.isFinite(rateKbit) || rateKbit <= 0) throw new Error(`bad rate ${rateKbit}`);
  const bits = Math.round(rateKbit) * 1000;
  const burst = Math.max(16 * 1024, Math.ceil((bits / 8) * 0.02));
  return { rateBits: bits, ceilBits: bits, burst, cburst: burst, quantum: 8000 };
}

/** The default (unshaped) class: far above any link speed, with a burst big enough at that rate. */
export const DEFAULT_CLASS_SPEC: HtbClassSpec = { rateBits: 100e9, ceilBits: 100e9, burst: 4_000_000, cburst: 4_000_000, quantum: 200_000 };

/** Every rate we configure is a whole number of kbit (the default class's one of gbit). */
function formatRate(bits: number): string {
  return bits % 1e9 === 0 ? `${bits / 1e9}gbit` : `${bits / 1000}kbit`;
}

function formatSpec(s: HtbClassSpec): string {
  return `rate ${formatRate(s.rateBits)} ceil ${formatRate(s.ceilBits)} burst ${s.burst} cburst ${s.cburst} quantum ${s.quantum}`;
}

export function htbClassParams(rateKbit: number): string {
  return formatSpec(peerClassSpec(rateKbit));
}

/** Hash masks of the device's two levels: the root hashes the third octet, level 1 the fourth. */
export const L1_HASH_MASK = 0x0000ff00;
export const L2_HASH_MASK = 0x000000ff;

function filterBase(dev: string): string {
  return `filter add dev ${dev} parent 1: prio ${CLASSIFY_PRIO} protocol ip`;
}

/** Creates the level-2 table for one third-octet value and links it from the level-1 bucket. */
export function l2TableLines(dev: IfbDevice, address: number): string[] {
  return [l2TableCreateLine(dev, address), l2TableLinkLine(dev, address)];
}

export function l2TableCreateLine(dev: IfbDevice, address: number): string {
  return `${filterBase(dev.name)} handle ${hex(l2Table(address))}: u32 divisor 256`;
}

/** The level-1 bucket of the address's third octet → its level-2 table. */
export function l2TableLinkLine(dev: IfbDevice, address: number): string {
  const o3 = (address >>> 8) & 0xff;
  return `${filterBase(dev.name)} u32 ht ${hex(L1_TABLE)}:${hex(o3)}: match u32 0 0 link ${hex(l2Table(address))}: hashkey mask ${mask32(L2_HASH_MASK)} at ${addressOffset(dev.direction)}`;
}

export function classLine(dev: IfbDevice, minor: number, spec: HtbClassSpec, verb: 'add' | 'change'): string {
  return `class ${verb} dev ${dev.name} parent 1: classid 1:${hex(minor)} htb ${formatSpec(spec)}`;
}

export function classAddLine(dev: IfbDevice, p: ShapedPeer, verb: 'add' | 'change' = 'add'): string {
  return classLine(dev, classMinor(p.shapingId), peerClassSpec(p.rateKbit), verb);
}

export function peerFilterAddLine(dev: IfbDevice, p: ShapedPeer): string {
  const h = peerFilterHandle(p.address);
  const bucket = h.slice(0, h.lastIndexOf(':') + 1);
  return (
    `${filterBase(dev.name)} handle ${h} u32 ht ${bucket} ` +
    `match ip ${matchField(dev.direction)} ${ip(p.address)}/32 flowid 1:${hex(classMinor(p.shapingId))}`
  );
}

export function filterDelLine(dev: IfbDevice, handle: string): string {
  return `filter del dev ${dev.name} parent 1: prio ${CLASSIFY_PRIO} protocol ip handle ${handle} u32`;
}

export function classDelLine(dev: IfbDevice, minor: number): string {
  return `class del dev ${dev.name} classid 1:${hex(minor)}`;
}

export function peerDelLines(dev: IfbDevice, p: ShapedPeer): string[] {
  // Filter first: the kernel refuses to delete a class a filter still points at.
  return [filterDelLine(dev, peerFilterHandle(p.address)), classDelLine(dev, classMinor(p.shapingId))];
}

/**
 * Full rebuild of one IFB device: replace whatever root it has by a fresh HTB (going through a
 * throw-away pfifo, because `replace` by an HTB with the same handle would keep the old classes),
 * the default class, all peer classes, then the two-level u32 hash:
 *   800: (root)  match subnet → hash 3rd octet → table 1:
 *   1:<o3>       → hash 4th octet → table 100+o3:
 *   (100+o3):<o4>:1  exact /32 match → flowid 1:<shapingId>
 * so a packet meets at most three filters whatever the number of peers.
 * Returns the lines and the set of level-2 tables created (the driver remembers them so an
 * incremental add knows whether its table exists without asking the kernel).
 */
export function buildDeviceBatch(dev: IfbDevice, subnet: Subnet, peers: readonly ShapedPeer[]): { lines: string[]; tables: Set<number> } {
  const off = addressOffset(dev.direction);
  const lines: string[] = [
    `qdisc replace dev ${dev.name} root handle 2: pfifo limit 1000`,
    `qdisc replace dev ${dev.name} root handle 1: htb default ${hex(DEFAULT_MINOR)}`,
    classLine(dev, DEFAULT_MINOR, DEFAULT_CLASS_SPEC, 'add'),
  ];
  for (const p of peers) lines.push(classAddLine(dev, p));
  lines.push(`${filterBase(dev.name)} handle ${hex(L1_TABLE)}: u32 divisor 256`);
  const tables = new Set<number>();
  for (const p of peers) {
    const t = l2Table(p.address);
    if (tables.has(t)) continue;
    tables.add(t);
    lines.push(...l2TableLines(dev, p.address));
  }
  lines.push(
    `${filterBase(dev.name)} u32 ht 800:: match ip ${matchField(dev.direction)} ${subnet.cidr} link ${hex(L1_TABLE)}: hashkey mask ${mask32(L1_HASH_MASK)} at ${off}`,
  );
  for (const p of peers) lines.push(peerFilterAddLine(dev, p));
  return { lines, tables };
}

export interface DispatchState {
  /** A clsact qdisc already exists on the interface. */
  hasClsact: boolean;
  /** Our dispatch filters (pref DISPATCH_PRIO) exist on the egress / ingress hook. */
  egress: boolean;
  ingress: boolean;
}

/**
 * Dispatch on the shaped interface itself: its clsact egress (download) and ingress (upload)
 * hooks redirect traffic of the interface subnet to the IFB device of its shard. With one shard
 * that is one filter; with k shards a u32 hash of divisor k on the address's low bits, one
 * redirect per bucket. Our old dispatch filters are deleted by preference in the same batch, so
 * another tool's filters on the hooks survive.
 */
export function buildDispatchBatch(
  ifname: string,
  subnet: Subnet,
  devices: readonly IfbDevice[],
  existing: DispatchState,
): string[] {
  const lines: string[] = [];
  const wanted = devices.length > 0;
  if (wanted && !existing.hasClsact) lines.push(`qdisc add dev ${ifname} clsact`);
  if (existing.egress) lines.push(`filter del dev ${ifname} egress prio ${DISPATCH_PRIO}`);
  if (existing.ingress) lines.push(`filter del dev ${ifname} ingress prio ${DISPATCH_PRIO}`);
  for (const direction of ['down', 'up'] as const) {
    const devs = devices.filter((d) => d.direction === direction).sort((a, b) => a.shard - b.shard);
    if (devs.length === 0) continue;
    const hook = direction === 'down' ? 'egress' : 'ingress';
    const base = `filter add dev ${ifname} ${hook} prio ${DISPATCH_PRIO} protocol ip`;
    const match = `match ip ${matchField(direction)} ${subnet.cidr}`;
    if (devs.length === 1) {
      lines.push(`${base} u32 ${match} action mirred egress redirect dev ${(devs[0] as IfbDevice).name}`);
      continue;
    }
    const k = devs.length;
    if ((k & (k - 1)) !== 0) throw new Error(`shard count ${k} is not a power of two`);
    // Both clsact hooks share one u32 table namespace, so each direction has its own table id.
    const table = direction === 'down' ? '1' : '2';
    lines.push(`${base} handle ${table}: u32 divisor ${k}`);
    for (const d of devs) {
      lines.push(`${base} u32 ht ${table}:${hex(d.shard)}: match u32 0 0 action mirred egress redirect dev ${d.name}`);
    }
    lines.push(`${base} u32 ${match} link ${table}: hashkey mask ${mask32(k - 1)} at ${addressOffset(direction)}`);
  }
  return lines;
}

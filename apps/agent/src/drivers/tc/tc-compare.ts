import { prefixMask } from '@wgfleet/domain';
import {
  DEFAULT_CLASS_SPEC,
  L1_HASH_MASK,
  L2_HASH_MASK,
  addressOffset,
  classDelLine,
  classLine,
  filterDelLine,
  l2TableCreateLine,
  l2TableLinkLine,
  peerClassSpec,
  peerFilterAddLine,
  type HtbClassSpec,
} from './tc-batch';
import { DEFAULT_MINOR, L1_TABLE, L2_TABLE_BASE, classMinor, hex, l2Table, peerFilterHandle, type IfbDevice, type ShapedPeer, type Subnet } from './tc-layout';
import type { HtbClass, RootQdisc, U32Dump, U32Match, U32Node } from './tc-state';

// Comparison of one IFB device as read from the kernel with what the plan wants on it, so a full
// apply leaves a converged device alone (no reset of its counters, no unshaped window, no class
// re-creation — which is what makes a full apply cost seconds) and repairs a drifted one in place.
//   match   — nothing to do.
//   repair  — only peer classes, peer filters or level-2 tables differ: `lines` fix exactly that.
//   rebuild — the skeleton (root qdisc, root/level-1 hash, class hierarchy, unknown filters)
//             differs: rebuild the device from scratch as before.

export type DeviceVerdict =
  | { kind: 'match'; tables: Set<number> }
  | { kind: 'repair'; lines: string[]; tables: Set<number> }
  | { kind: 'rebuild'; reason: string };

export interface DeviceState {
  qdisc: RootQdisc | null;
  classes: HtbClass[];
  filters: U32Dump;
}

/** tc stores bursts as transmit times and prints them back rounded (30862 → 30859 bytes). */
function sameSpec(a: HtbClassSpec, b: HtbClassSpec): boolean {
  const near = (x: number, y: number): boolean => Math.abs(x - y) <= Math.max(16, y * 0.005);
  return a.rateBits === b.rateBits && a.ceilBits === b.ceilBits && a.quantum === b.quantum && near(a.burst, b.burst) && near(a.cburst, b.cburst);
}

function sameMatch(m: U32Match | null, value: number, mask: number, off: number): boolean {
  return m !== null && m.mask === mask >>> 0 && m.value === (value & mask) >>> 0 && m.off === off;
}

/** The node at the root (800:) that hashes the subnet's third octet into table 1:. */
function isRootLink(n: U32Node, subnet: Subnet, off: number): boolean {
  const mask = prefixMask(subnet.prefix);
  return n.bucket === 0 && n.link === L1_TABLE && n.flowid === null && n.redirectTo === null && sameMatch(n.match, subnet.network, mask, off) && n.hash?.mask === L1_HASH_MASK && n.hash.off === off;
}

/** A level-1 node of bucket <o3> linking to level-2 table 100+o3, hashing the fourth octet. */
function isL2Link(n: U32Node, off: number): boolean {
  return n.link === L2_TABLE_BASE + n.bucket && n.flowid === null && n.redirectTo === null && sameMatch(n.match, 0, 0, 0) && n.hash?.mask === L2_HASH_MASK && n.hash.off === off;
}

function isPeerLeaf(n: U32Node, p: ShapedPeer, off: number): boolean {
  return n.link === null && n.hash === null && n.redirectTo === null && n.flowid === `1:${hex(classMinor(p.shapingId))}` && sameMatch(n.match, p.address, 0xffffffff, off);
}

export function compareDevice(dev: IfbDevice, subnet: Subnet, peers: readonly ShapedPeer[], state: DeviceState): DeviceVerdict {
  const off = addressOffset(dev.direction);
  const { qdisc, classes, filters } = state;
  if (!qdisc || qdisc.kind !== 'htb' || qdisc.handle !== '1:' || qdisc.defaultMinor !== DEFAULT_MINOR) return { kind: 'rebuild', reason: 'root qdisc' };
  if (classes.some((c) => !c.atRoot || c.hasLeafQdisc)) return { kind: 'rebuild', reason: 'class hierarchy' };
  if (filters.foreign > 0) return { kind: 'rebuild', reason: 'unknown filters' };

  // Skeleton: root table 800: with its one link, table 1:, level-2 tables in their id range.
  const tables = new Map(filters.tables.map((t) => [t.id, t.divisor]));
  if (tables.get(0x800) !== 1 || tables.get(L1_TABLE) !== 256) return { kind: 'rebuild', reason: 'hash tables' };
  const l2 = new Set<number>();
  for (const [id, divisor] of tables) {
    if (id === 0x800 || id === L1_TABLE) continue;
    if (id < L2_TABLE_BASE || id > L2_TABLE_BASE + 0xff || divisor !== 256) return { kind: 'rebuild', reason: `hash table ${hex(id)}:` };
    l2.add(id);
  }
  const rootNodes = filters.nodes.filter((n) => n.table === 0x800);
  if (rootNodes.length !== 1 || !isRootLink(rootNodes[0] as U32Node, subnet, off)) return { kind: 'rebuild', reason: 'root hash' };
  const linked = new Set<number>();
  for (const n of filters.nodes.filter((x) => x.table === L1_TABLE)) {
    if (!isL2Link(n, off) || linked.has(n.bucket)) return { kind: 'rebuild', reason: 'level-1 hash' };
    linked.add(L2_TABLE_BASE + n.bucket);
  }

  // Peers: filters, classes and level-2 tables, repaired one by one.
  const filterDels: string[] = [];
  const filterAdds: string[] = [];
  const tableAdds: string[] = [];
  const wantLeaf = new Map(peers.map((p) => [peerFilterHandle(p.address), p]));
  const haveLeaf = new Set<string>();
  for (const n of filters.nodes) {
    if (n.table === 0x800 || n.table === L1_TABLE) continue;
    const p = wantLeaf.get(n.handle);
    if (p && isPeerLeaf(n, p, off)) haveLeaf.add(n.handle);
    else filterDels.push(filterDelLine(dev, n.handle));
  }
  const tablesAfter = new Set(l2);
  for (const [handle, p] of wantLeaf) {
    const t = l2Table(p.address);
    if (!tablesAfter.has(t)) tableAdds.push(l2TableCreateLine(dev, p.address));
    if (!linked.has(t)) tableAdds.push(l2TableLinkLine(dev, p.address));
    tablesAfter.add(t);
    linked.add(t);
    if (!haveLeaf.has(handle)) filterAdds.push(peerFilterAddLine(dev, p));
  }

  const wantClass = new Map<number, HtbClassSpec>(peers.map((p) => [classMinor(p.shapingId), peerClassSpec(p.rateKbit)]));
  wantClass.set(DEFAULT_MINOR, DEFAULT_CLASS_SPEC);
  const classDels: string[] = [];
  const classSets: string[] = [];
  const haveClass = new Set<number>();
  for (const c of classes) {
    const want = wantClass.get(c.minor);
    haveClass.add(c.minor);
    if (!want) classDels.push(classDelLine(dev, c.minor));
    else if (!sameSpec(c.spec, want)) classSets.push(classLine(dev, c.minor, want, 'change'));
  }
  for (const [minor, spec] of wantClass) if (!haveClass.has(minor)) classSets.push(classLine(dev, minor, spec, 'add'));

  // Stale filters go first (a class a filter points at cannot be deleted), new filters last
  // (their class and table must exist).
  const lines = [...filterDels, ...classDels, ...classSets, ...tableAdds, ...filterAdds];
  return lines.length === 0 ? { kind: 'match', tables: tablesAfter } : { kind: 'repair', lines, tables: tablesAfter };
}

/**
 * Whether the dispatch on the shaped interface (our pref-DISPATCH_PRIO filters on both clsact
 * hooks) is exactly what buildDispatchBatch would install for `devices`. Compared as a multiset
 * of node descriptions without kernel-chosen handles: each hook's root table id depends on what
 * else lives on the interface. Anything unexpected — including another tool's u32 filters, which
 * share the table space — answers false, and the dispatch is rebuilt as before.
 */
export function dispatchMatches(subnet: Subnet, devices: readonly IfbDevice[], dump: U32Dump): boolean {
  if (dump.foreign > 0) return false;
  const divisors = new Map(dump.tables.map((t) => [t.id, t.divisor]));
  const describe = (into: number | undefined, bucket: number, m: string, link: number | undefined, hash: string, to: string | null): string =>
    `in=${into ?? '?'} bkt=${bucket} m=${m} link=${link ?? '-'} h=${hash} to=${to ?? '-'}`;
  const matchOf = (value: number, mask: number, off: number): string => `${(value & mask) >>> 0}/${mask >>> 0}@${off}`;

  const expected: string[] = [];
  const mask = prefixMask(subnet.prefix);
  for (const direction of ['down', 'up'] as const) {
    const devs = devices.filter((d) => d.direction === direction);
    if (devs.length === 0) continue;
    const off = addressOffset(direction);
    const subnetMatch = matchOf(subnet.network, mask, off);
    const k = devs.length;
    if (k === 1) {
      expected.push(describe(1, 0, subnetMatch, undefined, '-', (devs[0] as IfbDevice).name));
      continue;
    }
    expected.push(describe(1, 0, subnetMatch, k, `${k - 1}@${off}`, null));
    for (const d of devs) expected.push(describe(k, d.shard, matchOf(0, 0, 0), undefined, '-', d.name));
  }
  const actual = dump.nodes.map((n) =>
    describe(
      divisors.get(n.table),
      n.bucket,
      n.match ? matchOf(n.match.value, n.match.mask, n.match.off) : '?',
      n.link === null ? undefined : divisors.get(n.link),
      n.hash ? `${n.hash.mask}@${n.hash.off}` : '-',
      n.flowid === null ? n.redirectTo : `flowid ${n.flowid}`,
    ),
  );
  return JSON.stringify(actual.sort()) === JSON.stringify(expected.sort());
}

// The PUQ firewall, traffic-control and dump texts, rendered from what the host's agent reported
// (the dataplane report: nftables rule and set-element counters, tc qdisc/class statistics, the
// WireGuard dump). Nothing here is made up: a rule or class the report does not contain is not
// printed, and no report yet means an empty result.
//
// The report is the agent's JSON, stored per interface; it may hold the whole host's report or
// only the interface's part, so both are read. It is parsed defensively: it comes from a host.
import { cidrContains, networkOf } from '@wgfleet/domain';

/** What the renderers need of the interface (its settings describe the rules the agent rendered from them). */
export interface InterfaceFacts {
  name: string;
  address: string;
  snatAddress: string | null;
}

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

function list(v: unknown): Json[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function text(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function counters(r: Json): string {
  return `Pkt:${num(r['packets'])} Bytes:${num(r['bytes'])}`;
}

/** `<src> -> <dst> <TARGET> <options> Pkt:<n> Bytes:<n>`: the seed's line (empty options leave two spaces). */
function ruleLine(src: string, dst: string, target: string, options: string, r: Json): string {
  return `${src} -> ${dst} ${target} ${options} ${counters(r)}\n`;
}

/** "10.0.124.1/24" → "10.0.124.0/24". */
function subnetOf(iface: InterfaceFacts): string {
  return networkOf(iface.address);
}

function ruleWithComment(nftables: Json, chain: string, comment: string): Json | undefined {
  return list(nftables['rules']).find((r) => r['chain'] === chain && r['comment'] === comment);
}

/** NAT: the interface's masquerade/SNAT rule and the port forwards (DNAT) to its peers, with their counters. */
export function renderNatRules(nftablesReport: unknown, iface: InterfaceFacts): string {
  const nft = obj(nftablesReport);
  let out = '';
  // Comments are the agent's rule identities (see the agent's nft-ruleset.ts).
  const nat = ruleWithComment(nft, 'postrouting', `${iface.name}: nat`);
  if (nat) {
    out += iface.snatAddress ? ruleLine(subnetOf(iface), '0.0.0.0/0', 'SNAT', `to:${iface.snatAddress}`, nat) : ruleLine(subnetOf(iface), '0.0.0.0/0', 'MASQUERADE', '', nat);
  }
  for (const f of list(nft['portForwards'])) {
    const peer = text(f['peerAddress']);
    if (!peer || !safeContains(iface.address, peer)) continue;
    out += ruleLine('0.0.0.0/0', '0.0.0.0/0', 'DNAT', `${text(f['protocol']) ?? ''} dpt:${num(f['port'])} to:${peer}:${num(f['targetPort'])}`, f);
  }
  return out;
}

/** Filter: the interface's internal-traffic drop rule and its suspended peers' drops, with their counters. */
export function renderFilterRules(nftablesReport: unknown, iface: InterfaceFacts): string {
  const nft = obj(nftablesReport);
  let out = '';
  const internal = ruleWithComment(nft, 'forward', `${iface.name}: internal traffic off`);
  if (internal) out += ruleLine(subnetOf(iface), subnetOf(iface), 'DROP', '', internal);
  for (const b of list(nft['blockedPeers'])) {
    const address = text(b['address']);
    if (b['ifname'] !== iface.name || !address) continue;
    out += ruleLine(`${address}/32`, '0.0.0.0/0', 'DROP', 'suspended', b);
  }
  return out;
}

function safeContains(cidr: string, ip: string): boolean {
  try {
    return cidrContains(cidr, ip);
  } catch {
    return false;
  }
}

/** The tc part of the report for one interface: `{devices}` itself, or `{interfaces: [...]}` of the host. */
function tcInterface(tcReport: unknown, ifname: string): Json | null {
  const tc = obj(tcReport);
  if (Array.isArray(tc['devices'])) return tc;
  return list(tc['interfaces']).find((i) => i['interface'] === ifname) ?? null;
}

/** 8000000 → "8Mbit", the way tc prints rates. */
export function rateText(bits: number): string {
  for (const [unit, size] of [['Gbit', 1e9], ['Mbit', 1e6], ['Kbit', 1e3]] as const) {
    if (bits >= size && bits % size === 0) return `${bits / size}${unit}`;
  }
  return `${bits}bit`;
}

function statsLines(s: Json): string {
  return ` Sent ${num(s['bytes'])} bytes ${num(s['packets'])} pkt (dropped ${num(s['drops'])}, overlimits ${num(s['overlimits'])}) \n backlog ${num(s['backlogBytes'])}b\n`;
}

/** `tc -s qdisc/class show`-style text of the interface's shaping devices, from the reported statistics. */
export function renderTrafficControl(tcReport: unknown, ifname: string): string {
  const iface = tcInterface(tcReport, ifname);
  if (!iface) return '';
  let out = '';
  for (const dev of list(iface['devices'])) {
    const device = text(dev['device']) ?? '';
    const qdisc = dev['qdisc'] === null || dev['qdisc'] === undefined ? null : obj(dev['qdisc']);
    if (qdisc) out += `qdisc ${text(qdisc['kind']) ?? ''} ${text(qdisc['handle']) ?? ''} dev ${device} root\n${statsLines(qdisc)}`;
    for (const c of list(dev['classes'])) {
      const rate = typeof c['rateBits'] === 'number' ? ` rate ${rateText(c['rateBits'])}` : '';
      out += `class htb ${text(c['classid']) ?? ''} dev ${device}${rate}\n${statsLines(c)}`;
    }
  }
  return out;
}

/** The WireGuard part of the report for one interface: the interface report itself, or `{interfaces: [...]}`. */
function wireguardInterface(wireguardReport: unknown, ifname: string): Json | null {
  const wg = obj(wireguardReport);
  if (Array.isArray(wg['interfaces'])) return list(wg['interfaces']).find((i) => i['name'] === ifname) ?? null;
  return wg['name'] === ifname ? wg : null;
}

export interface PuqDump {
  port: string;
  public_key: string;
}

/** Listen port and public key as the host's `wg show dump` reported them; empty strings before any report. */
export function renderDump(wireguardReport: unknown, ifname: string): PuqDump {
  const wg = wireguardInterface(wireguardReport, ifname);
  const port = wg && typeof wg['listenPort'] === 'number' ? String(wg['listenPort']) : '';
  return { port, public_key: (wg && text(wg['publicKey'])) ?? '' };
}

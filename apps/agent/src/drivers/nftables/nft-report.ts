// Parser for `nft -j list table inet <name>`: rule counters (identified by their comments) and
// per-element counters of the blocked-peers set and the port-forward map.

import { SETS } from './nft-ruleset';

export interface NftRuleCounter {
  chain: string;
  comment: string | null;
  packets: number;
  bytes: number;
}

export interface NftPortForwardCounter {
  protocol: string;
  port: number;
  peerAddress: string;
  targetPort: number;
  packets: number;
  bytes: number;
}

export interface NftBlockedPeerCounter {
  ifname: string;
  address: string;
  packets: number;
  bytes: number;
}

export interface NftablesReport {
  table: string;
  present: boolean;
  rules: NftRuleCounter[];
  portForwards: NftPortForwardCounter[];
  blockedPeers: NftBlockedPeerCounter[];
}

type Json = unknown;

export function parseNftTableJson(table: string, text: string): NftablesReport {
  const root = obj(JSON.parse(text) as Json);
  const items = arr(root['nftables']);
  const report: NftablesReport = { table, present: true, rules: [], portForwards: [], blockedPeers: [] };
  for (const item of items.map(obj)) {
    if (item['rule']) report.rules.push(parseRule(obj(item['rule'])));
    const set = item['set'] ?? item['map'];
    if (!set) continue;
    const s = obj(set);
    if (s['name'] === SETS.blockedPeers) report.blockedPeers = arr(s['elem']).map(parseBlocked);
    if (s['name'] === SETS.portForwards) report.portForwards = arr(s['elem']).map(parseForward);
  }
  return report;
}

function parseRule(r: Record<string, Json>): NftRuleCounter {
  const counter = arr(r['expr'])
    .map(obj)
    .find((e) => 'counter' in e);
  const c = counter ? obj(counter['counter']) : {};
  return {
    chain: String(r['chain']),
    comment: typeof r['comment'] === 'string' ? r['comment'] : null,
    packets: num(c['packets']),
    bytes: num(c['bytes']),
  };
}

// {"elem": {"val": {"concat": ["wg0", "100.64.0.2"]}, "counter": {...}}}
function parseBlocked(e: Json): NftBlockedPeerCounter {
  const { val, counter } = elem(e);
  const [ifname, address] = arr(obj(val)['concat']);
  return { ifname: String(ifname), address: String(address), ...counter };
}

// [{"elem": {"val": {"concat": ["tcp", 8080]}, "counter": {...}}}, {"concat": ["100.64.0.2", 80]}]
function parseForward(e: Json): NftPortForwardCounter {
  const [key, data] = arr(e);
  const { val, counter } = elem(key);
  const [protocol, port] = arr(obj(val)['concat']);
  const [peerAddress, targetPort] = arr(obj(data)['concat']);
  return { protocol: String(protocol), port: num(port), peerAddress: String(peerAddress), targetPort: num(targetPort), ...counter };
}

function elem(e: Json): { val: Json; counter: { packets: number; bytes: number } } {
  const inner = obj(obj(e)['elem']);
  const c = inner['counter'] ? obj(inner['counter']) : {};
  return { val: inner['val'], counter: { packets: num(c['packets']), bytes: num(c['bytes']) } };
}

function obj(v: Json): Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, Json>) : {};
}

function arr(v: Json): Json[] {
  return Array.isArray(v) ? v : [];
}

function num(v: Json): number {
  return typeof v === 'number' ? v : 0;
}

import { networkOf, type HostDesiredState, type InterfaceState, type PeerState, type PortForwardState } from '@wgfleet/domain';

// Rendering of the agent's one nftables table. Interface-level behaviour (NAT, internal-traffic
// switch) is a few rules per interface; everything per peer or per port forward lives in sets
// and maps, so a one-peer change is a one-element update whatever the peer count, and the
// per-packet cost is a hash lookup, not a rule walk.
//
// Family inet rather than ip: one table covers IPv4 and (later) IPv6 filtering, NAT in inet
// tables works since Linux 5.2, and a single table is one atomic replace. Rules are IPv4-only
// today because the desired state carries IPv4 tunnel addresses only.
//
// Every base chain has policy accept and only drops what the agent must drop: the agent shares
// hooks with the host's own firewall and never decides for traffic it does not manage. (An
// accept here cannot override a drop in another table, so no "accept" rules are needed either.)

export const TABLE_FAMILY = 'inet';
export const DEFAULT_TABLE_NAME = 'wgfleet';

/** Set/map names; per-element changes address them directly. */
export const SETS = {
  /** Names of the agent's WireGuard interfaces (type ifname). */
  wgIfaces: 'wg_ifaces',
  /** Suspended peers as interface . address (type ifname . ipv4_addr), with per-element counters. */
  blockedPeers: 'blocked_peers',
  /** protocol . public port → peer address . target port, with per-element counters. */
  portForwards: 'port_forwards',
} as const;

export function renderTable(state: HostDesiredState, table: string = DEFAULT_TABLE_NAME): string {
  const ifaces = state.interfaces;
  const blocked = ifaces.flatMap((i) => i.peers.filter((p) => !p.enabled).map((p) => blockedElement(i, p)));
  const forwards = ifaces.flatMap((i) => i.portForwards.map(portForwardElement));
  const L: string[] = [];
  // Create-if-missing, delete, re-create: one transaction, so the table is atomically created
  // or replaced and no packet ever sees a half-built ruleset.
  L.push(`table ${TABLE_FAMILY} ${table} {}`, `delete table ${TABLE_FAMILY} ${table}`, `table ${TABLE_FAMILY} ${table} {`);
  L.push(`  comment "managed by wgfleet-agent; do not edit"`);
  L.push(`  set ${SETS.wgIfaces} {`, `    type ifname`, ...elements(ifaces.map((i) => quote(i.name))), `  }`);
  L.push(`  set ${SETS.blockedPeers} {`, `    type ifname . ipv4_addr`, `    counter`, ...elements(blocked), `  }`);
  L.push(
    `  map ${SETS.portForwards} {`,
    `    type inet_proto . inet_service : ipv4_addr . inet_service`,
    `    counter`,
    ...elements(forwards),
    `  }`,
  );

  L.push(`  chain prerouting {`, `    type nat hook prerouting priority dstnat; policy accept;`);
  // Any local destination address: the host's public address may change (DHCP) or be 1:1-NATed
  // in front of the host. Hairpin (a peer using the public port) works the same way.
  L.push(
    `    fib daddr type local meta l4proto { tcp, udp } dnat ip to meta l4proto . th dport map @${SETS.portForwards} comment "port forwards"`,
    `  }`,
  );

  L.push(`  chain postrouting {`, `    type nat hook postrouting priority srcnat; policy accept;`);
  // Return path of port forwards: the peer sees the host's tunnel address as source, so its
  // replies come back through the tunnel even when its default route does not (split tunnel).
  L.push(`    oifname @${SETS.wgIfaces} ct status dnat counter masquerade comment "port forwards: return path"`);
  for (const i of ifaces) {
    if (!i.nat.enabled) continue;
    // Out of any interface that is not one of ours: peer-to-peer traffic is never NATed.
    const match = `oifname != @${SETS.wgIfaces} ip saddr ${networkOf(i.address)}`;
    // snat to a fixed address when configured; otherwise masquerade picks the egress
    // interface's address, which stays right if the host's public address changes.
    const action = i.nat.snatAddress ? `snat ip to ${i.nat.snatAddress}` : 'masquerade';
    L.push(`    ${match} counter ${action} comment ${quote(`${i.name}: nat`)}`);
  }
  L.push(`  }`);

  L.push(`  chain forward {`, `    type filter hook forward priority filter; policy accept;`);
  L.push(...blockRules('iifname . ip saddr', 'oifname . ip daddr'));
  for (const i of ifaces) {
    if (i.internalTraffic) continue;
    // Peer to peer of one interface enters and leaves through that same interface.
    L.push(`    iifname ${quote(i.name)} oifname ${quote(i.name)} counter drop comment ${quote(`${i.name}: internal traffic off`)}`);
  }
  // The tunnel MTU is below the underlay's: clamp TCP MSS so PMTU blackholes cannot stall flows.
  L.push(`    oifname @${SETS.wgIfaces} tcp flags & (syn | rst) == syn tcp option maxseg size set rt mtu comment "mss clamp out"`);
  L.push(`    iifname @${SETS.wgIfaces} tcp flags & (syn | rst) == syn tcp option maxseg size set rt mtu comment "mss clamp in"`);
  L.push(`  }`);

  // A suspended peer must not reach the host itself either (DNS, the host's services...).
  L.push(`  chain input {`, `    type filter hook input priority filter; policy accept;`);
  L.push(`    iifname . ip saddr @${SETS.blockedPeers} counter drop comment "suspended peers: to host"`, `  }`);
  L.push(`  chain output {`, `    type filter hook output priority filter; policy accept;`);
  L.push(`    oifname . ip daddr @${SETS.blockedPeers} counter drop comment "suspended peers: from host"`, `  }`);
  L.push(`}`, '');
  return L.join('\n');
}

function blockRules(from: string, to: string): string[] {
  return [
    `    ${from} @${SETS.blockedPeers} counter drop comment "suspended peers: from peer"`,
    `    ${to} @${SETS.blockedPeers} counter drop comment "suspended peers: to peer"`,
  ];
}

export function blockedElement(iface: InterfaceState, peer: PeerState): string {
  return `${quote(iface.name)} . ${peer.address}`;
}

export function portForwardElement(f: PortForwardState): string {
  return `${portForwardKey(f)} : ${f.peerAddress} . ${f.targetPort}`;
}

export function portForwardKey(f: PortForwardState): string {
  return `${f.protocol} . ${f.port}`;
}

function elements(items: string[]): string[] {
  return items.length === 0 ? [] : [`    elements = { ${items.join(',\n      ')} }`];
}

/** Interface names are validated to [A-Za-z0-9_.=+-]; quoting keeps nft from parsing them as keywords. */
export function quote(s: string): string {
  return `"${s}"`;
}

import { cidrContains, isIpv4 } from '@wgfleet/domain';

// An agent reports its whole host at once (one WireGuard dump, one nftables table, tc per
// device); the API shows it per interface (GET /interfaces/{id}/dataplane). This splits the
// report's JSON by interface. The report comes from the network: every field is checked, and
// what is missing or malformed becomes null instead of failing the whole report.

type Obj = Record<string, unknown>;

export interface InterfaceRef {
  id: string;
  /** Kernel name, e.g. "wg0". */
  name: string;
  /** With prefix, e.g. "100.64.0.1/24". */
  address: string;
}

export interface InterfaceDataplane {
  interfaceId: string;
  report: { wireguard: unknown; nftables: unknown; tc: unknown };
}

export function splitDataplaneReport(report: unknown, interfaces: InterfaceRef[]): InterfaceDataplane[] {
  const root = asObject(report);
  const wireguard = asObject(root?.['wireguard']);
  const nftables = asObject(root?.['nftables']);
  const tc = asObject(asObject(root?.['others'])?.['tc']);
  return interfaces.map((iface) => {
    const wg = findByKey(wireguard?.['interfaces'], 'name', iface.name);
    return {
      interfaceId: iface.id,
      report: {
        wireguard: wg ? { backend: wireguard?.['backend'] ?? null, ...wg } : null,
        nftables: nftables ? nftablesFor(nftables, iface) : null,
        tc: findByKey(tc?.['interfaces'], 'interface', iface.name),
      },
    };
  });
}

/**
 * Rules commented "<interface>: ..." (no space before the colon) belong to that interface; the
 * others (port forwards, MSS clamping, suspended peers) serve every interface and show with each.
 */
function nftablesFor(nft: Obj, iface: InterfaceRef): Obj {
  const rules = asArray(nft['rules']).filter((r) => {
    const comment = asObject(r)?.['comment'];
    const owner = typeof comment === 'string' ? /^([^:\s]+):/.exec(comment)?.[1] : undefined;
    return owner === undefined || owner === iface.name;
  });
  const portForwards = asArray(nft['portForwards']).filter((f) => {
    const address = asObject(f)?.['peerAddress'];
    return typeof address === 'string' && isIpv4(address) && cidrContains(iface.address, address);
  });
  const blockedPeers = asArray(nft['blockedPeers']).filter((b) => asObject(b)?.['ifname'] === iface.name);
  return { table: nft['table'] ?? null, present: nft['present'] ?? null, rules, portForwards, blockedPeers };
}

function findByKey(list: unknown, key: string, value: string): Obj | null {
  for (const item of asArray(list)) {
    const o = asObject(item);
    if (o?.[key] === value) return o;
  }
  return null;
}

function asObject(v: unknown): Obj | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

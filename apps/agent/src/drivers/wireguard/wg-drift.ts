import { canonicalCidr, type InterfaceState } from '@wgfleet/domain';
import { NO_PRESHARED_KEY } from './wg-config';
import type { WgDump } from './wg-dump';

// Pure comparison of one interface's real WireGuard state with the desired one. Lines name peers
// by public key only: no private or preshared key ever appears in a drift report.

export function wireguardDrift(iface: InterfaceState, dump: WgDump): string[] {
  const out: string[] = [];
  const at = `${iface.name}:`;
  if (dump.privateKey !== iface.privateKey) out.push(`${at} private key differs`);
  if (dump.listenPort !== iface.listenPort) out.push(`${at} listen port ${dump.listenPort}, want ${iface.listenPort}`);
  const real = new Map(dump.peers.map((p) => [p.publicKey, p]));
  for (const want of iface.peers) {
    const have = real.get(want.publicKey);
    real.delete(want.publicKey);
    if (!have) {
      out.push(`${at} peer ${want.publicKey} missing`);
      continue;
    }
    if ((have.presharedKey ?? NO_PRESHARED_KEY) !== (want.presharedKey ?? NO_PRESHARED_KEY)) {
      out.push(`${at} peer ${want.publicKey} preshared key differs`);
    }
    if (normalize(have.allowedIps) !== normalize(want.allowedIps)) {
      out.push(`${at} peer ${want.publicKey} allowed IPs ${have.allowedIps.join(',') || '(none)'}, want ${want.allowedIps.join(',')}`);
    }
  }
  for (const extra of real.keys()) out.push(`${at} unexpected peer ${extra}`);
  return out;
}

// The kernel stores allowed IPs as masked networks, in its own order, and `wg` prints IPv6 ones
// lowercase and compressed; the desired ones are as the controller stored them ("FD00::1/128",
// host bits set). Both sides in canonical form, so only a different network is drift. (Something
// that is no CIDR is compared as written: it differs, and is reported.)
function normalize(cidrs: readonly string[]): string {
  return cidrs
    .map((c) => canonicalCidr(c) ?? c)
    .sort()
    .join(',');
}

import type { InterfaceState, PeerState } from '@wgfleet/domain';

// Config text for `wg syncconf` / `wg addconf`, always passed as a 0600 tmpfs file: it holds private and
// preshared keys. Only wg(8) keys appear here — Address/MTU are wg-quick extensions that wg
// rejects; the driver sets those with ip(8).

/** An all-zero preshared key is WireGuard's "no preshared key": lets addconf clear a PSK. */
export const NO_PRESHARED_KEY = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** Full interface config for `wg syncconf`: peers not listed are removed, unchanged peers keep their sessions. */
export function renderInterfaceConfig(iface: InterfaceState): string {
  const lines = ['[Interface]', `PrivateKey = ${iface.privateKey}`, `ListenPort = ${iface.listenPort}`, ''];
  return lines.join('\n') + renderPeersConfig(iface.peers);
}

/**
 * Peer sections for `wg addconf`, which creates missing peers and updates existing ones in place
 * (AllowedIPs are replaced, not merged). PresharedKey is always written so a removed PSK is cleared.
 */
export function renderPeersConfig(peers: readonly PeerState[]): string {
  const out: string[] = [];
  for (const p of peers) {
    out.push('[Peer]', `PublicKey = ${p.publicKey}`, `PresharedKey = ${p.presharedKey ?? NO_PRESHARED_KEY}`);
    out.push(`AllowedIPs = ${p.allowedIps.join(', ')}`, '');
  }
  return out.join('\n');
}

/** Whether a peer change needs WireGuard work (enabled/bandwidth/shaping are other drivers' business). */
export function wireguardPeerChanged(a: PeerState, b: PeerState): boolean {
  return a.publicKey !== b.publicKey || a.presharedKey !== b.presharedKey || a.allowedIps.join(',') !== b.allowedIps.join(',');
}

/** Whether an interface change needs WireGuard/link work (NAT, internal traffic, bandwidth do not). */
export function wireguardSettingsChanged(a: InterfaceState, b: InterfaceState): boolean {
  return (
    a.name !== b.name ||
    a.address !== b.address ||
    a.listenPort !== b.listenPort ||
    a.privateKey !== b.privateKey ||
    a.mtu !== b.mtu
  );
}

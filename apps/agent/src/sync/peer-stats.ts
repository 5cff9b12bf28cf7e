import type { HostDesiredState } from '@wgfleet/domain';
import type { WgDump } from '../drivers/wireguard/wg-dump';

// Per-peer WireGuard figures for the periodic stats report. Only peers whose figures changed
// since the last report on the current stream are sent: on a host with 10,000 mostly idle
// peers a report is a few lines, not 10,000.

export interface PeerFigures {
  peerId: string;
  rxBytes: number;
  txBytes: number;
  /** Unix seconds; 0 = never. */
  latestHandshakeUnix: number;
  /** "ip:port" the peer last came from; empty when unknown. */
  endpoint: string;
}

/** Reads one interface's live WireGuard state; null when the interface does not exist. */
export type DumpReader = (ifname: string) => Promise<WgDump | null>;

/** Figures of every peer of `state`, matched by public key (one `wg show dump` per interface). */
export async function readPeerFigures(state: HostDesiredState, dump: DumpReader): Promise<PeerFigures[]> {
  const out: PeerFigures[] = [];
  for (const iface of state.interfaces) {
    const live = await dump(iface.name);
    if (!live) continue;
    const byKey = new Map(live.peers.map((p) => [p.publicKey, p]));
    for (const peer of iface.peers) {
      const p = byKey.get(peer.publicKey);
      if (!p) continue;
      out.push({ peerId: peer.id, rxBytes: p.rxBytes, txBytes: p.txBytes, latestHandshakeUnix: p.latestHandshake, endpoint: p.endpoint ?? '' });
    }
  }
  return out;
}

/**
 * Remembers what was last reported, per peer, and filters a reading down to what changed. One per
 * stream: a new stream (maybe to another replica) starts with a full report.
 */
export class ChangedPeerFilter {
  private readonly reported = new Map<string, string>();

  changed(current: readonly PeerFigures[]): PeerFigures[] {
    const seen = new Set<string>();
    const out: PeerFigures[] = [];
    for (const f of current) {
      seen.add(f.peerId);
      const key = `${f.rxBytes}/${f.txBytes}/${f.latestHandshakeUnix}/${f.endpoint}`;
      if (this.reported.get(f.peerId) === key) continue;
      this.reported.set(f.peerId, key);
      out.push(f);
    }
    // Removed peers: drop them, so a peer that comes back is reported again.
    for (const id of this.reported.keys()) if (!seen.has(id)) this.reported.delete(id);
    return out;
  }
}

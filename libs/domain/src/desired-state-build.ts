import { effectiveBandwidth } from './bandwidth';
import type { Bandwidth, PeerState } from './desired-state';
import { addressOffset } from './ipam';

// How stored peers become desired state. The controller reads rows (keys already decrypted) and
// maps them here, for snapshots and deltas alike, so both always agree on every derived value.

export interface PeerSource {
  id: string;
  publicKey: string;
  presharedKey: string | null;
  /** Without prefix. */
  address: string;
  extraAllowedIps: string[];
  /** null: the interface default. */
  downloadKbit: number | null;
  uploadKbit: number | null;
  /** Suspended for any reason (manual, expired, over quota...). */
  suspended: boolean;
}

export interface PeerInterfaceContext {
  /** The interface's address with prefix, e.g. "100.64.0.1/24". */
  address: string;
  defaultBandwidth: Bandwidth;
}

export function peerStateFrom(peer: PeerSource, iface: PeerInterfaceContext): PeerState {
  return {
    id: peer.id,
    publicKey: peer.publicKey,
    presharedKey: peer.presharedKey,
    address: peer.address,
    allowedIps: [`${peer.address}/32`, ...peer.extraAllowedIps.filter((n) => n !== `${peer.address}/32`)],
    enabled: !peer.suspended,
    bandwidth: effectiveBandwidth(peer, iface.defaultBandwidth),
    // Stable for the peer's life and unique per interface; below 65535 (tc's largest class minor,
    // kept for the default class) for any subnet of /16 or smaller.
    shapingId: addressOffset(iface.address, peer.address),
  };
}


// What a host must run at one revision. The controller builds it from Postgres; the agent (and the
// RouterOS adapter) make the host match it. Keys are plaintext here: this object only ever lives
// in memory, on the mTLS stream, and in the agent's root-only state file.

export type Protocol = 'tcp' | 'udp';

export interface Bandwidth {
  /** host → peer, kbit/s, 0 = unlimited */
  downloadKbit: number;
  /** peer → host, kbit/s, 0 = unlimited */
  uploadKbit: number;
}

export interface PeerState {
  id: string;
  publicKey: string;
  presharedKey: string | null;
  /** The peer's tunnel address, without prefix, e.g. "100.64.0.2". */
  address: string;
  /** What WireGuard routes to this peer: always `${address}/32` first, then any extra networks. */
  allowedIps: string[];
  /** false = suspended (expired, over quota, unpaid...): the peer passes no traffic. */
  enabled: boolean;
  /** Effective limits (the interface default already resolved); 0 = no shaping that way. */
  bandwidth: Bandwidth;
  /** Stable per-interface small integer (the address's offset in the subnet), for tc class ids and marks. */
  shapingId: number;
}

export interface PortForwardState {
  id: string;
  protocol: Protocol;
  /** Public port on the host. */
  port: number;
  /** Tunnel address of the peer that receives the traffic. */
  peerAddress: string;
  targetPort: number;
}

export interface InterfaceState {
  id: string;
  /** Kernel interface name, e.g. "wg0". */
  name: string;
  /** Interface address with prefix, e.g. "100.64.0.1/24". */
  address: string;
  listenPort: number;
  privateKey: string;
  mtu: number | null;
  nat: { enabled: boolean; snatAddress: string | null };
  /** Whether peers of this interface may reach each other. */
  internalTraffic: boolean;
  defaultBandwidth: Bandwidth;
  peers: PeerState[];
  portForwards: PortForwardState[];
}

export interface HostDesiredState {
  hostId: string;
  revision: number;
  /** The host's public (underlay) address, used as the SNAT source when an interface sets none. */
  publicAddress: string | null;
  interfaces: InterfaceState[];
}

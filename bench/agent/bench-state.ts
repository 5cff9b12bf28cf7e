import { intToIpv4, parseIpv4Cidr, type HostDesiredState, type InterfaceState, type PeerState, type PortForwardState } from '@wgfleet/domain';

// Synthetic desired states for the agent benchmark: one interface on 100.64.0.0/16 (test-network
// range; a /16 holds 50,000 peers), every peer limited in both directions, one peer in ten
// suspended and one in ten with a port forward, so the nftables set and map carry elements the
// way a real host's do. Keys are deterministic valid WireGuard keys (32 bytes, canonical base64):
// generating 50,000 real X25519 pairs would only slow the benchmark down.

/** Host address on the interface; peers get .0.2 upwards (shapingId = offset in the subnet). */
const INTERFACE_CIDR = '100.64.0.1/16';
const SUSPENDED_EVERY = 10;
const FORWARD_EVERY = 10;
const FORWARD_BASE_PORT = 10_000;

/** A canonical base64 key that is unique per (kind, n). */
function key(kind: number, n: number): string {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(n, 0);
  b[31] = kind;
  return b.toString('base64');
}

const NETWORK = parseIpv4Cidr(INTERFACE_CIDR).network;

function addressOf(shapingId: number): string {
  return intToIpv4(NETWORK + shapingId);
}

/** Peer number `n` (0-based); its shapingId is n + 2 (.0 is the network, .1 the host). */
function benchPeer(n: number, opts: { enabled?: boolean } = {}): PeerState {
  const shapingId = n + 2;
  const address = addressOf(shapingId);
  return {
    id: `peer-${n}`,
    publicKey: key(1, n),
    presharedKey: null,
    address,
    allowedIps: [`${address}/32`],
    enabled: opts.enabled ?? n % SUSPENDED_EVERY !== SUSPENDED_EVERY / 2,
    bandwidth: { downloadKbit: 1000 + (n % 50) * 100, uploadKbit: 500 + (n % 20) * 100 },
    shapingId,
  };
}

function forwardFor(p: PeerState, n: number): PortForwardState {
  return { id: `pf-${n}`, protocol: 'tcp', port: FORWARD_BASE_PORT + n / FORWARD_EVERY, peerAddress: p.address, targetPort: 80 };
}

export function benchState(ifname: string, peerCount: number): HostDesiredState {
  const peers: PeerState[] = [];
  const portForwards: PortForwardState[] = [];
  for (let n = 0; n < peerCount; n++) {
    const p = benchPeer(n);
    peers.push(p);
    if (n % FORWARD_EVERY === 0) portForwards.push(forwardFor(p, n));
  }
  const iface: InterfaceState = {
    id: 'if-bench',
    name: ifname,
    address: INTERFACE_CIDR,
    listenPort: 51820,
    privateKey: key(2, 0),
    mtu: null,
    nat: { enabled: true, snatAddress: null },
    internalTraffic: false,
    defaultBandwidth: { downloadKbit: 0, uploadKbit: 0 },
    peers,
    portForwards,
  };
  return { hostId: 'wgb-host', revision: 1, publicAddress: '198.18.0.1', interfaces: [iface] };
}

export type PeerOp = 'add' | 'change' | 'suspend' | 'remove';
export const PEER_OPS: readonly PeerOp[] = ['add', 'change', 'suspend', 'remove'];

/**
 * The next state after one single-peer operation on peer number `n` (outside the initial range),
 * built the way the agent builds states from deltas (applyHostDelta): a new peer array, every
 * unchanged peer object shared with the previous state.
 *   add: a new enabled peer; change: its bandwidth; suspend: disabled; remove: gone again.
 */
export function nextState(state: HostDesiredState, op: PeerOp, n: number): HostDesiredState {
  const iface = state.interfaces[0] as InterfaceState;
  const id = benchPeer(n).id;
  const current = iface.peers.find((p) => p.id === id);
  let peers: PeerState[];
  if (op === 'add') peers = [...iface.peers, benchPeer(n, { enabled: true })];
  else if (op === 'remove') peers = iface.peers.filter((p) => p.id !== id);
  else {
    if (!current) throw new Error(`${op}: peer ${id} is not present`);
    const changed: PeerState =
      op === 'change'
        ? { ...current, bandwidth: { downloadKbit: current.bandwidth.downloadKbit + 500, uploadKbit: current.bandwidth.uploadKbit + 250 } }
        : { ...current, enabled: false };
    peers = iface.peers.map((p) => (p === current ? changed : p));
  }
  return { ...state, revision: state.revision + 1, interfaces: [{ ...iface, peers }] };
}

import type { HostDesiredState, InterfaceState, PeerState, PortForwardState } from './desired-state';

// Pure comparison of two desired states, so every driver turns a one-peer change into
// one-peer work instead of re-reading or re-writing the whole host.

export interface Changed<T> {
  previous: T;
  next: T;
}

export interface InterfaceDiff {
  /** The interface as it is in `next`. */
  iface: InterfaceState;
  /** Interface-level settings changed (address, port, key, mtu, nat, internal traffic, default bandwidth). */
  settingsChanged: boolean;
  addedPeers: PeerState[];
  removedPeers: PeerState[];
  changedPeers: Changed<PeerState>[];
  addedPortForwards: PortForwardState[];
  removedPortForwards: PortForwardState[];
}

export interface HostDiff {
  addedInterfaces: InterfaceState[];
  removedInterfaces: InterfaceState[];
  /** Interfaces present on both sides with at least one difference. */
  changedInterfaces: InterfaceDiff[];
  publicAddressChanged: boolean;
}

export function diffHostStates(previous: HostDesiredState, next: HostDesiredState): HostDiff {
  const before = byId(previous.interfaces);
  const after = byId(next.interfaces);
  const diff: HostDiff = {
    addedInterfaces: next.interfaces.filter((i) => !before.has(i.id)),
    removedInterfaces: previous.interfaces.filter((i) => !after.has(i.id)),
    changedInterfaces: [],
    publicAddressChanged: previous.publicAddress !== next.publicAddress,
  };
  for (const iface of next.interfaces) {
    const old = before.get(iface.id);
    if (!old) continue;
    const d = diffInterface(old, iface);
    if (isInterfaceDiffEmpty(d)) continue;
    diff.changedInterfaces.push(d);
  }
  return diff;
}

export function isHostDiffEmpty(d: HostDiff): boolean {
  return (
    d.addedInterfaces.length === 0 &&
    d.removedInterfaces.length === 0 &&
    d.changedInterfaces.length === 0 &&
    !d.publicAddressChanged
  );
}

export function diffInterface(previous: InterfaceState, next: InterfaceState): InterfaceDiff {
  const oldPeers = byId(previous.peers);
  const newPeers = byId(next.peers);
  const oldForwards = new Map(previous.portForwards.map((f) => [portForwardKey(f), f]));
  const newForwards = new Map(next.portForwards.map((f) => [portForwardKey(f), f]));
  const changedPeers: Changed<PeerState>[] = [];
  for (const peer of next.peers) {
    const old = oldPeers.get(peer.id);
    if (old && !samePeer(old, peer)) changedPeers.push({ previous: old, next: peer });
  }
  return {
    iface: next,
    settingsChanged: !sameInterfaceSettings(previous, next),
    addedPeers: next.peers.filter((p) => !oldPeers.has(p.id)),
    removedPeers: previous.peers.filter((p) => !newPeers.has(p.id)),
    changedPeers,
    // A port forward is immutable: any change is a removal plus an addition.
    addedPortForwards: next.portForwards.filter((f) => !oldForwards.has(portForwardKey(f))),
    removedPortForwards: previous.portForwards.filter((f) => !newForwards.has(portForwardKey(f))),
  };
}

function isInterfaceDiffEmpty(d: InterfaceDiff): boolean {
  return (
    !d.settingsChanged &&
    d.addedPeers.length === 0 &&
    d.removedPeers.length === 0 &&
    d.changedPeers.length === 0 &&
    d.addedPortForwards.length === 0 &&
    d.removedPortForwards.length === 0
  );
}

export function samePeer(a: PeerState, b: PeerState): boolean {
  return (
    a.publicKey === b.publicKey &&
    a.presharedKey === b.presharedKey &&
    a.address === b.address &&
    a.enabled === b.enabled &&
    a.shapingId === b.shapingId &&
    a.bandwidth.downloadKbit === b.bandwidth.downloadKbit &&
    a.bandwidth.uploadKbit === b.bandwidth.uploadKbit &&
    a.allowedIps.join(',') === b.allowedIps.join(',')
  );
}

export function sameInterfaceSettings(a: InterfaceState, b: InterfaceState): boolean {
  return (
    a.name === b.name &&
    a.address === b.address &&
    a.listenPort === b.listenPort &&
    a.privateKey === b.privateKey &&
    a.mtu === b.mtu &&
    a.nat.enabled === b.nat.enabled &&
    a.nat.snatAddress === b.nat.snatAddress &&
    a.internalTraffic === b.internalTraffic &&
    a.defaultBandwidth.downloadKbit === b.defaultBandwidth.downloadKbit &&
    a.defaultBandwidth.uploadKbit === b.defaultBandwidth.uploadKbit
  );
}

export function portForwardKey(f: PortForwardState): string {
  return `${f.protocol}/${f.port}->${f.peerAddress}:${f.targetPort}`;
}

function byId<T extends { id: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((i) => [i.id, i]));
}

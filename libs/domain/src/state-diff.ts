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
  const peers = diffList(previous.peers, next.peers, (p) => p.id, samePeer);
  // A port forward is immutable: any change is a removal plus an addition.
  const forwards = diffList(previous.portForwards, next.portForwards, portForwardKey, () => true);
  return {
    iface: next,
    settingsChanged: !sameInterfaceSettings(previous, next),
    addedPeers: peers.added,
    removedPeers: peers.removed,
    changedPeers: peers.changed,
    addedPortForwards: forwards.added,
    removedPortForwards: forwards.removed,
  };
}

export interface ListDiff<T> {
  /** In `next` order. */
  added: T[];
  /** In `previous` order. */
  removed: T[];
  /** In `next` order. */
  changed: Changed<T>[];
}

/**
 * Keyed diff of two lists, linear with a tiny constant in the common case and hash-based only
 * where the lists really differ: the agent diffs a 50,000-peer state on every one-peer change.
 * The common prefix and suffix (same key at the same position) are compared in place — cheaply,
 * because states built from deltas share every unchanged element object (`a === b` skips the
 * field comparison); only the window between them, which holds the few added, removed or moved
 * elements, goes through maps. Keys must be unique within each list.
 */
export function diffList<T>(previous: readonly T[], next: readonly T[], keyOf: (t: T) => string, same: (a: T, b: T) => boolean): ListDiff<T> {
  const out: ListDiff<T> = { added: [], removed: [], changed: [] };
  if (previous === next) return out;
  const sameKey = (a: T, b: T): boolean => a === b || keyOf(a) === keyOf(b);
  const compare = (a: T, b: T, into: Changed<T>[]): void => {
    if (a !== b && !same(a, b)) into.push({ previous: a, next: b });
  };
  let head = 0;
  const shorter = Math.min(previous.length, next.length);
  while (head < shorter && sameKey(previous[head] as T, next[head] as T)) {
    compare(previous[head] as T, next[head] as T, out.changed);
    head++;
  }
  // Suffix, compared back to front and stopping at the prefix; its changes are collected apart
  // so `changed` stays in `next` order.
  let tailPrev = previous.length;
  let tailNext = next.length;
  const tailChanged: Changed<T>[] = [];
  while (tailPrev > head && tailNext > head && sameKey(previous[tailPrev - 1] as T, next[tailNext - 1] as T)) {
    compare(previous[tailPrev - 1] as T, next[tailNext - 1] as T, tailChanged);
    tailPrev--;
    tailNext--;
  }
  const windowPrev = previous.slice(head, tailPrev);
  const windowNext = next.slice(head, tailNext);
  const before = new Map(windowPrev.map((t) => [keyOf(t), t]));
  const after = new Set(windowNext.map(keyOf));
  for (const t of windowNext) {
    const old = before.get(keyOf(t));
    if (old === undefined) out.added.push(t);
    else compare(old, t, out.changed);
  }
  for (const t of windowPrev) if (!after.has(keyOf(t))) out.removed.push(t);
  out.changed.push(...tailChanged.reverse());
  return out;
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

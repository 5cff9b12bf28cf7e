import type { HostDesiredState, InterfaceState, PeerState, PortForwardState } from './desired-state';
import { diffHostStates } from './state-diff';

// A host's desired state travels as a snapshot once, then as deltas: what changed between two
// revisions, so a one-peer change costs one peer on the wire. The agent turns (its state + a
// delta) into the next state with applyHostDelta; the controller builds deltas from the rows its
// change records name (composeHostDelta), never from a full read of the host.

/** An interface without its peers and port forwards. */
export type InterfaceSettingsState = Omit<InterfaceState, 'peers' | 'portForwards'>;

export interface InterfaceStateDelta {
  interfaceId: string;
  /**
   * Set when the interface is new or its settings changed. Then `upsertedPeers` and
   * `upsertedPortForwards` are its complete lists and replace the old ones: an interface setting
   * (the default bandwidth) can change the effective values of every peer at once.
   */
  settings: InterfaceSettingsState | null;
  /** Added or changed peers, matched by id. */
  upsertedPeers: PeerState[];
  /** Added or changed port forwards, matched by id. */
  upsertedPortForwards: PortForwardState[];
}

/** The change from the state at `fromRevision` to the state at `toRevision` of one host. */
export interface HostStateDelta {
  fromRevision: number;
  toRevision: number;
  /** The value at `toRevision` (always sent: it is one short string). */
  publicAddress: string | null;
  interfaces: InterfaceStateDelta[];
  /** Removed with their peers and port forwards. */
  removedInterfaceIds: string[];
  /**
   * Removed peers, with the port forwards to their address (Postgres deletes those with the peer).
   * Host-level, not per interface: once a row is deleted the controller no longer knows its
   * interface; ids are UUIDs, unique across the host.
   */
  removedPeerIds: string[];
  removedPortForwardIds: string[];
}

/** The delta does not fit the state: the agent must ask for a snapshot instead. */
export class DeltaBaseMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeltaBaseMismatchError';
  }
}

/**
 * The state at `delta.toRevision`, from the state at `delta.fromRevision`. Pure: `state` is not
 * modified; interfaces the delta does not touch are shared with it. Removals run before upserts,
 * so a row removed and re-created in the same delta ends up present.
 *
 * @throws DeltaBaseMismatchError when `state.revision !== delta.fromRevision`, or the delta changes
 *   peers of an interface the state does not have (the two have diverged: resync with a snapshot).
 */
export function applyHostDelta(state: HostDesiredState, delta: HostStateDelta): HostDesiredState {
  if (state.revision !== delta.fromRevision) {
    throw new DeltaBaseMismatchError(`delta from revision ${delta.fromRevision} does not apply to revision ${state.revision}`);
  }
  const removedInterfaces = new Set(delta.removedInterfaceIds);
  const removedPeers = new Set(delta.removedPeerIds);
  const removedForwards = new Set(delta.removedPortForwardIds);
  const interfaces = state.interfaces.filter((i) => !removedInterfaces.has(i.id)).map((i) => removeRows(i, removedPeers, removedForwards));
  for (const d of delta.interfaces) {
    const index = interfaces.findIndex((i) => i.id === d.interfaceId);
    if (d.settings) {
      const replaced: InterfaceState = { ...d.settings, id: d.interfaceId, peers: d.upsertedPeers, portForwards: d.upsertedPortForwards };
      if (index === -1) interfaces.push(replaced);
      else interfaces[index] = replaced;
      continue;
    }
    const current = interfaces[index];
    if (!current) throw new DeltaBaseMismatchError(`delta changes interface ${d.interfaceId}, which revision ${state.revision} does not have`);
    interfaces[index] = { ...current, peers: upsertById(current.peers, d.upsertedPeers), portForwards: upsertById(current.portForwards, d.upsertedPortForwards) };
  }
  return { hostId: state.hostId, revision: delta.toRevision, publicAddress: delta.publicAddress, interfaces };
}

function removeRows(iface: InterfaceState, peerIds: Set<string>, forwardIds: Set<string>): InterfaceState {
  // Most deltas remove nothing: skip the pass over every peer.
  if (peerIds.size === 0 && forwardIds.size === 0) return iface;
  const goneAddresses = new Set(iface.peers.filter((p) => peerIds.has(p.id)).map((p) => p.address));
  const forwardGone = (f: PortForwardState): boolean => forwardIds.has(f.id) || goneAddresses.has(f.peerAddress);
  if (goneAddresses.size === 0 && !iface.portForwards.some(forwardGone)) return iface;
  return { ...iface, peers: iface.peers.filter((p) => !peerIds.has(p.id)), portForwards: iface.portForwards.filter((f) => !forwardGone(f)) };
}

function upsertById<T extends { id: string }>(items: T[], upserts: T[]): T[] {
  if (upserts.length === 0) return items;
  const next = [...items];
  const index = new Map(next.map((item, i) => [item.id, i]));
  for (const item of upserts) {
    const at = index.get(item.id);
    if (at === undefined) {
      index.set(item.id, next.length);
      next.push(item);
    } else {
      next[at] = item;
    }
  }
  return next;
}

/**
 * The delta that turns `previous` into `next` (both full states), such that
 * `applyHostDelta(previous, buildHostDelta(previous, next))` equals `next` up to ordering. For
 * producers that hold both states (tests, adapters); the controller composes deltas from its
 * change records instead.
 */
export function buildHostDelta(previous: HostDesiredState, next: HostDesiredState): HostStateDelta {
  const diff = diffHostStates(previous, next);
  const delta: HostStateDelta = {
    fromRevision: previous.revision,
    toRevision: next.revision,
    publicAddress: next.publicAddress,
    interfaces: diff.addedInterfaces.map(completeInterfaceDelta),
    removedInterfaceIds: diff.removedInterfaces.map((i) => i.id),
    removedPeerIds: [],
    removedPortForwardIds: [],
  };
  for (const d of diff.changedInterfaces) {
    if (d.settingsChanged) {
      delta.interfaces.push(completeInterfaceDelta(d.iface));
      continue;
    }
    delta.removedPeerIds.push(...d.removedPeers.map((p) => p.id));
    delta.removedPortForwardIds.push(...d.removedPortForwards.map((f) => f.id));
    // Removing a peer takes the forwards to its address along; re-send those that stay.
    const goneAddresses = new Set(d.removedPeers.map((p) => p.address));
    const added = new Set(d.addedPortForwards);
    const forwards = [...d.addedPortForwards, ...d.iface.portForwards.filter((f) => goneAddresses.has(f.peerAddress) && !added.has(f))];
    delta.interfaces.push({
      interfaceId: d.iface.id,
      settings: null,
      upsertedPeers: [...d.addedPeers, ...d.changedPeers.map((c) => c.next)],
      upsertedPortForwards: forwards,
    });
  }
  return delta;
}

/** An interface delta carrying the whole interface (new, or its settings changed). */
export function completeInterfaceDelta(iface: InterfaceState): InterfaceStateDelta {
  const { peers, portForwards, ...settings } = iface;
  return { interfaceId: iface.id, settings, upsertedPeers: peers, upsertedPortForwards: portForwards };
}

export interface ChangedIds {
  interfaceIds: string[];
  peerIds: string[];
  portForwardIds: string[];
}

/**
 * The distinct rows a run of change records names, whatever each record's op. Host records need
 * nothing: every delta carries the host's public address.
 */
export function changedIds(records: ReadonlyArray<{ resource: string; id: string }>): ChangedIds {
  const sets = { interface: new Set<string>(), peer: new Set<string>(), 'port-forward': new Set<string>() };
  for (const r of records) {
    if (r.resource === 'interface' || r.resource === 'peer' || r.resource === 'port-forward') sets[r.resource].add(r.id);
  }
  return { interfaceIds: [...sets.interface], peerIds: [...sets.peer], portForwardIds: [...sets['port-forward']] };
}

/** Current rows of what changed between two revisions, as read at `toRevision`. */
export interface ChangedRows {
  fromRevision: number;
  toRevision: number;
  publicAddress: string | null;
  changed: ChangedIds;
  /** The changed interfaces that still exist, complete. */
  interfaces: InterfaceState[];
  /** The changed peers that still exist. */
  peers: Array<{ interfaceId: string; peer: PeerState }>;
  /** The changed port forwards that still exist, and those of the changed peers (whose address may have moved). */
  portForwards: Array<{ interfaceId: string; forward: PortForwardState }>;
}

/**
 * The delta from the rows a run of change records names. Whatever the records' ops say, a named
 * row that still exists is sent as it is now and one that is gone is removed: that stays right
 * when a row was created and deleted, or deleted and re-created, within the run.
 */
export function composeHostDelta(rows: ChangedRows): HostStateDelta {
  const complete = new Map(rows.interfaces.map((i) => [i.id, completeInterfaceDelta(i)]));
  const partial = new Map<string, InterfaceStateDelta>();
  const partialFor = (interfaceId: string): InterfaceStateDelta | null => {
    if (complete.has(interfaceId)) return null;
    let d = partial.get(interfaceId);
    if (!d) {
      d = { interfaceId, settings: null, upsertedPeers: [], upsertedPortForwards: [] };
      partial.set(interfaceId, d);
    }
    return d;
  };
  const seenForwards = new Set<string>();
  for (const { interfaceId, peer } of rows.peers) partialFor(interfaceId)?.upsertedPeers.push(peer);
  for (const { interfaceId, forward } of rows.portForwards) {
    if (seenForwards.has(forward.id)) continue;
    seenForwards.add(forward.id);
    partialFor(interfaceId)?.upsertedPortForwards.push(forward);
  }
  const presentPeers = new Set(rows.peers.map((p) => p.peer.id));
  for (const i of rows.interfaces) {
    for (const p of i.peers) presentPeers.add(p.id);
    for (const f of i.portForwards) seenForwards.add(f.id);
  }
  const presentInterfaces = new Set(complete.keys());
  return {
    fromRevision: rows.fromRevision,
    toRevision: rows.toRevision,
    publicAddress: rows.publicAddress,
    interfaces: [...complete.values(), ...partial.values()],
    removedInterfaceIds: rows.changed.interfaceIds.filter((id) => !presentInterfaces.has(id)),
    removedPeerIds: rows.changed.peerIds.filter((id) => !presentPeers.has(id)),
    removedPortForwardIds: rows.changed.portForwardIds.filter((id) => !seenForwards.has(id)),
  };
}

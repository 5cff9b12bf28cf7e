import type {
  Bandwidth as DomainBandwidth,
  HostDesiredState,
  HostStateDelta,
  InterfaceSettingsState,
  InterfaceState,
  InterfaceStateDelta,
  PeerState,
  PortForwardState,
  Protocol,
} from '@wgfleet/domain';
import type { Bandwidth__Output } from './generated/wgfleet/agent/v1/Bandwidth';
import type { HostDelta, HostDelta__Output } from './generated/wgfleet/agent/v1/HostDelta';
import type { HostState, HostState__Output } from './generated/wgfleet/agent/v1/HostState';
import type { Interface, Interface__Output } from './generated/wgfleet/agent/v1/Interface';
import type { InterfaceDelta, InterfaceDelta__Output } from './generated/wgfleet/agent/v1/InterfaceDelta';
import type { InterfaceSettings, InterfaceSettings__Output } from './generated/wgfleet/agent/v1/InterfaceSettings';
import type { Peer, Peer__Output } from './generated/wgfleet/agent/v1/Peer';
import type { PortForward, PortForward__Output } from './generated/wgfleet/agent/v1/PortForward';

// Desired state between the domain types and the wire. proto3 has no null: an empty string or a
// zero stands for "none" (no preshared key, default MTU, no SNAT address, no public address).

/** A message that cannot be a valid desired state (a peer must not be silently dropped). */
export class ProtoDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoDecodeError';
  }
}

export function hostStateToProto(s: HostDesiredState): HostState {
  return { hostId: s.hostId, revision: s.revision, publicAddress: s.publicAddress ?? '', interfaces: s.interfaces.map(interfaceToProto) };
}

export function hostStateFromProto(m: HostState__Output): HostDesiredState {
  return { hostId: m.hostId, revision: m.revision, publicAddress: m.publicAddress || null, interfaces: m.interfaces.map(interfaceFromProto) };
}

export function hostDeltaToProto(d: HostStateDelta): HostDelta {
  return {
    fromRevision: d.fromRevision,
    toRevision: d.toRevision,
    publicAddress: d.publicAddress ?? '',
    interfaces: d.interfaces.map(interfaceDeltaToProto),
    removedInterfaceIds: d.removedInterfaceIds,
    removedPeerIds: d.removedPeerIds,
    removedPortForwardIds: d.removedPortForwardIds,
  };
}

export function hostDeltaFromProto(m: HostDelta__Output): HostStateDelta {
  return {
    fromRevision: m.fromRevision,
    toRevision: m.toRevision,
    publicAddress: m.publicAddress || null,
    interfaces: m.interfaces.map(interfaceDeltaFromProto),
    removedInterfaceIds: m.removedInterfaceIds,
    removedPeerIds: m.removedPeerIds,
    removedPortForwardIds: m.removedPortForwardIds,
  };
}

function interfaceToProto(i: InterfaceState): Interface {
  return { settings: settingsToProto(i), peers: i.peers.map(peerToProto), portForwards: i.portForwards.map(portForwardToProto) };
}

function interfaceFromProto(m: Interface__Output): InterfaceState {
  if (!m.settings) throw new ProtoDecodeError('an interface without settings');
  return { ...settingsFromProto(m.settings), peers: m.peers.map(peerFromProto), portForwards: m.portForwards.map(portForwardFromProto) };
}

function interfaceDeltaToProto(d: InterfaceStateDelta): InterfaceDelta {
  return {
    interfaceId: d.interfaceId,
    settings: d.settings ? settingsToProto(d.settings) : null,
    upsertedPeers: d.upsertedPeers.map(peerToProto),
    upsertedPortForwards: d.upsertedPortForwards.map(portForwardToProto),
  };
}

function interfaceDeltaFromProto(m: InterfaceDelta__Output): InterfaceStateDelta {
  return {
    interfaceId: m.interfaceId,
    settings: m.settings ? settingsFromProto(m.settings) : null,
    upsertedPeers: m.upsertedPeers.map(peerFromProto),
    upsertedPortForwards: m.upsertedPortForwards.map(portForwardFromProto),
  };
}

function settingsToProto(s: InterfaceSettingsState): InterfaceSettings {
  return {
    id: s.id,
    name: s.name,
    address: s.address,
    listenPort: s.listenPort,
    privateKey: s.privateKey,
    mtu: s.mtu ?? 0,
    natEnabled: s.nat.enabled,
    snatAddress: s.nat.snatAddress ?? '',
    internalTraffic: s.internalTraffic,
    defaultBandwidth: s.defaultBandwidth,
  };
}

function settingsFromProto(m: InterfaceSettings__Output): InterfaceSettingsState {
  return {
    id: m.id,
    name: m.name,
    address: m.address,
    listenPort: m.listenPort,
    privateKey: m.privateKey,
    mtu: m.mtu || null,
    nat: { enabled: m.natEnabled, snatAddress: m.snatAddress || null },
    internalTraffic: m.internalTraffic,
    defaultBandwidth: bandwidthFromProto(m.defaultBandwidth),
  };
}

function peerToProto(p: PeerState): Peer {
  return {
    id: p.id,
    publicKey: p.publicKey,
    presharedKey: p.presharedKey ?? '',
    address: p.address,
    allowedIps: p.allowedIps,
    enabled: p.enabled,
    bandwidth: p.bandwidth,
    shapingId: p.shapingId,
  };
}

function peerFromProto(m: Peer__Output): PeerState {
  return {
    id: m.id,
    publicKey: m.publicKey,
    presharedKey: m.presharedKey || null,
    address: m.address,
    allowedIps: m.allowedIps,
    enabled: m.enabled,
    bandwidth: bandwidthFromProto(m.bandwidth),
    shapingId: m.shapingId,
  };
}

function portForwardToProto(f: PortForwardState): PortForward {
  return { id: f.id, protocol: f.protocol, port: f.port, peerAddress: f.peerAddress, targetPort: f.targetPort };
}

function portForwardFromProto(m: PortForward__Output): PortForwardState {
  return { id: m.id, protocol: protocolFromProto(m.protocol), port: m.port, peerAddress: m.peerAddress, targetPort: m.targetPort };
}

function protocolFromProto(value: string): Protocol {
  if (value === 'tcp' || value === 'udp') return value;
  throw new ProtoDecodeError(`unknown port forward protocol "${value}"`);
}

function bandwidthFromProto(m: Bandwidth__Output | null): DomainBandwidth {
  return { downloadKbit: m?.downloadKbit ?? 0, uploadKbit: m?.uploadKbit ?? 0 };
}

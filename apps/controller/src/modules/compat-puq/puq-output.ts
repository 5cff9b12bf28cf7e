// Native DTOs → the PUQ shapes of the seed: its field names, and its value types (numbers it
// shows as strings stay strings).
import { addressOffset, kbitToMbit, mbitToKbit, parseEndpoint, parseIpv4Cidr, type Bandwidth } from '@wgfleet/domain';
import type { InterfaceDto } from '../interfaces/interfaces.dto';
import type { PeerDto } from '../peers/peers.dto';
import type { PortForwardDto } from '../port-forwards/port-forwards.dto';
import type { AccountInput, ServerInput } from './puq-input';

export interface PuqServer {
  address: string;
  b_download: string;
  b_upload: string;
  dns_1: string;
  dns_2: string;
  external_ip: string;
  ikev2: boolean;
  interface_name: string;
  internal_traffic: boolean;
  keep_alive: number;
  listen_port: string;
  name: string;
  private_key: string;
  public_key: string;
}

export interface PuqAccount {
  allowed_IPs: string;
  b_download: string;
  b_upload: string;
  mangle: string;
  name: string;
  password: string;
  private_key: string;
  public_key: string;
  status: 'enable' | 'disable';
  username: string;
  wg_name: string;
}

export interface PuqForward {
  dst_port: number;
  protocol: string;
  to_peer: string;
  to_port: number;
}

export interface PuqOnlineAccount {
  allowed_IPs: string;
  b_download: string;
  b_upload: string;
  endpoint: string;
  latest_handshake: string;
  name: string;
  status: 'enable' | 'disable';
  transfer_rx: string;
  transfer_tx: string;
  username: string;
  wg_name: string;
}

/** The PUQ server name of an interface: its display name, else (made natively without one) its kernel name. */
function puqServerName(iface: Pick<InterfaceDto, 'name' | 'displayName'>): string {
  return iface.displayName ?? iface.name;
}

/** kbit/s → the seed's Mbit/s string ("11", or "1.5" for a native 1500 kbit/s). */
export function mbitText(kbit: number): string {
  return String(kbitToMbit(kbit));
}

export interface ServerSecrets {
  privateKey: string;
  ikev2: boolean;
  /** The host's public address: what clients dial when the interface sets no endpoint. */
  hostAddress: string | null;
}

export function toPuqServer(iface: InterfaceDto, secrets: ServerSecrets): PuqServer {
  return {
    address: iface.address,
    b_download: mbitText(iface.defaultBandwidth.downloadKbit),
    b_upload: mbitText(iface.defaultBandwidth.uploadKbit),
    dns_1: iface.dns[0] ?? '',
    dns_2: iface.dns[1] ?? '',
    external_ip: iface.nat.snatAddress ?? (iface.endpoint ? parseEndpoint(iface.endpoint)?.host : undefined) ?? secrets.hostAddress ?? '',
    ikev2: secrets.ikev2,
    interface_name: iface.name,
    internal_traffic: iface.internalTraffic,
    keep_alive: iface.persistentKeepalive ?? 0,
    listen_port: String(iface.listenPort),
    name: puqServerName(iface),
    private_key: secrets.privateKey,
    public_key: iface.publicKey,
  };
}

export interface AccountSecrets {
  privateKey: string | null;
  password: string;
  username: string;
}

export function toPuqAccount(peer: PeerDto, iface: Pick<InterfaceDto, 'name' | 'displayName' | 'address'>, secrets: AccountSecrets): PuqAccount {
  return {
    allowed_IPs: peer.address,
    b_download: mbitText(peer.bandwidth.downloadKbit),
    b_upload: mbitText(peer.bandwidth.uploadKbit),
    // The peer's stable shaping id (its offset in the subnet): the tc class minor the agent uses.
    mangle: String(addressOffset(iface.address, peer.address)),
    name: peer.name,
    password: secrets.password,
    private_key: secrets.privateKey ?? '',
    public_key: peer.publicKey,
    status: peer.enabled ? 'enable' : 'disable',
    username: secrets.username,
    wg_name: puqServerName(iface),
  };
}

export function toPuqOnline(account: PuqAccount, peer: PeerDto): PuqOnlineAccount {
  return {
    allowed_IPs: account.allowed_IPs,
    b_download: account.b_download,
    b_upload: account.b_upload,
    endpoint: peer.status.endpoint ?? '',
    latest_handshake: peer.status.lastHandshakeAt ? handshakeText(new Date(peer.status.lastHandshakeAt)) : '',
    name: account.name,
    status: account.status,
    transfer_rx: String(peer.status.rxBytes),
    transfer_tx: String(peer.status.txBytes),
    username: account.username,
    wg_name: account.wg_name,
  };
}

/** `YYYY-MM-DD HH:MM:SS`, UTC. */
export function handshakeText(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

export function toPuqForward(forward: Pick<PortForwardDto, 'port' | 'protocol' | 'targetPort'>, peerName: string): PuqForward {
  return { dst_port: forward.port, protocol: forward.protocol, to_peer: peerName, to_port: forward.targetPort };
}

export function forwardKey(forward: { port: number; protocol: string }): string {
  return `${forward.port}_${forward.protocol}`;
}

/** Keys a list by name; the first of a duplicated name wins (names are unique through PUQ). */
export function keyedBy<T>(items: T[], key: (item: T) => string): Record<string, T> {
  const out: Record<string, T> = {};
  for (const item of items) {
    const k = key(item);
    if (!(k in out)) out[k] = item;
  }
  return out;
}

// --- PUQ inputs → native DTO fields ------------------------------------------------------------

/** Native default bandwidth (both directions are required there); a direction not given keeps `current`. */
export function bandwidthOf(download: number | undefined, upload: number | undefined, current: Bandwidth): Bandwidth | undefined {
  if (download === undefined && upload === undefined) return undefined;
  return {
    downloadKbit: download === undefined ? current.downloadKbit : mbitToKbit(download),
    uploadKbit: upload === undefined ? current.uploadKbit : mbitToKbit(upload),
  };
}

/** The native interface fields a PUQ server create/edit sets (a plain object for the native DTO class). */
export function interfaceFields(input: ServerInput, current: InterfaceDto | null): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (input.name !== undefined) fields['displayName'] = input.name;
  if (input.interfaceName !== undefined) fields['name'] = input.interfaceName;
  if (input.address !== undefined) fields['address'] = input.address;
  if (input.listenPort !== undefined) fields['listenPort'] = input.listenPort;
  if (input.externalIp !== undefined) {
    // PUQ's external IP is both what clients dial (the listen port is added) and the SNAT source.
    fields['endpoint'] = input.externalIp;
    fields['nat'] = { enabled: true, snatAddress: input.externalIp };
  }
  if (input.dns1 !== undefined || input.dns2 !== undefined) {
    const dns = [input.dns1 ?? current?.dns[0], input.dns2 ?? current?.dns[1]];
    fields['dns'] = dns.filter((d): d is string => d !== undefined);
  }
  if (input.keepAlive !== undefined) fields['persistentKeepalive'] = input.keepAlive;
  const bandwidth = bandwidthOf(input.downloadMbit, input.uploadMbit, current?.defaultBandwidth ?? { downloadKbit: 0, uploadKbit: 0 });
  if (bandwidth) fields['defaultBandwidth'] = bandwidth;
  if (input.internalTraffic !== undefined) fields['internalTraffic'] = input.internalTraffic;
  return fields;
}

/**
 * The native peer fields a PUQ account create/edit sets. `peer` is the current peer on edit: its
 * extra IPv4 routes (set natively) survive an allowed_IPs_ipv6 change, which replaces only IPv6 ones.
 */
export function peerFields(input: AccountInput, peer: PeerDto | null, interfaceDefault: Bandwidth): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (input.name !== undefined) fields['name'] = input.name;
  if (input.address !== undefined) fields['address'] = input.address;
  if (input.publicKey !== undefined) fields['publicKey'] = input.publicKey;
  if (input.enabled !== undefined) fields['enabled'] = input.enabled;
  if (input.ipv6 !== undefined) {
    const kept = peer ? peer.allowedIps.slice(1).filter((c) => !c.includes(':')) : [];
    fields['allowedIps'] = [...kept, `${input.ipv6}/128`];
  }
  const bandwidth = bandwidthOf(input.downloadMbit, input.uploadMbit, peer?.bandwidth ?? interfaceDefault);
  if (bandwidth) fields['bandwidth'] = bandwidth;
  return fields;
}

/** How many peers a server's subnet holds: not its network, broadcast or own address. */
export function peerCapacity(interfaceAddress: string): number {
  return Math.max(0, 2 ** (32 - parseIpv4Cidr(interfaceAddress).prefix) - 3);
}

export interface WireguardInfo {
  wireguard: string;
  'wireguard-dkms': string;
  'wireguard-tools': string;
}

/**
 * The seed's package versions, from the agent's host facts: the module's or wireguard-go's version
 * with which of the two it is, and the wg tools' version. wgfleet hosts run the in-tree module or
 * wireguard-go, never a DKMS build, so `wireguard-dkms` is always empty. Unknown values are empty.
 */
export function wireguardInfo(facts: Record<string, unknown>): WireguardInfo {
  const fact = (key: string): string => {
    const value = facts[key];
    return typeof value === 'string' && value !== 'unavailable' ? value : '';
  };
  const implementation = fact('wireguardImplementation');
  const version = fact('wireguardVersion') || (implementation === 'kernel' ? fact('kernel') : '');
  return {
    wireguard: version && implementation ? `${version} (${implementation})` : version || implementation,
    'wireguard-dkms': '',
    'wireguard-tools': fact('wireguardToolsVersion'),
  };
}

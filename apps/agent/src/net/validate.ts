import {
  isCidr,
  isIpv4,
  isIpv4Cidr,
  isValidInterfaceName,
  isValidWireguardKey,
  type HostDesiredState,
  type HostDiff,
  type InterfaceState,
  type PeerState,
  type PortForwardState,
} from '@wgfleet/domain';

// The agent runs as root and renders desired state into nft and wg config text, so it checks
// every value that reaches those texts even though the controller validated them already:
// a bad value must fail the apply, never inject a rule or config line.

export class InvalidStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStateError';
  }
}

export function assertValidState(state: HostDesiredState): void {
  checkHost(state);
  for (const i of state.interfaces) checkInterface(i);
  checkForwardsUnique(state);
}

/**
 * Validates `next` given that `diff` = diffHostStates(prev, next) and `prev` passed validation:
 * only what the diff brings in is checked, so a one-peer change costs O(1) here instead of a
 * pass over every key of a 50,000-peer host. Whatever the diff does not list is equal in value
 * to something already validated.
 */
export function assertValidChange(next: HostDesiredState, diff: HostDiff): void {
  checkHost(next);
  for (const i of diff.addedInterfaces) checkInterface(i);
  let forwardsAdded = diff.addedInterfaces.some((i) => i.portForwards.length > 0);
  for (const d of diff.changedInterfaces) {
    if (d.settingsChanged) checkInterfaceSettings(d.iface);
    for (const p of d.addedPeers) checkPeer(d.iface, p);
    for (const c of d.changedPeers) checkPeer(d.iface, c.next);
    for (const f of d.addedPortForwards) checkPortForward(d.iface, f);
    forwardsAdded ||= d.addedPortForwards.length > 0;
  }
  // Only an added forward can collide with another one.
  if (forwardsAdded) checkForwardsUnique(next);
}

/** Host-level values and interface-name uniqueness: O(interfaces). */
function checkHost(state: HostDesiredState): void {
  const names = new Set<string>();
  for (const i of state.interfaces) {
    check(!names.has(i.name), `interface ${i.id}: duplicate name ${i.name}`);
    names.add(i.name);
  }
  check(state.publicAddress === null || isIpv4(state.publicAddress), 'bad public address');
}

/** Everything of one interface except what spans interfaces (names, forwards). */
function checkInterface(i: InterfaceState): void {
  checkInterfaceSettings(i);
  for (const p of i.peers) checkPeer(i, p);
  for (const f of i.portForwards) checkPortForward(i, f);
}

function checkInterfaceSettings(i: InterfaceState): void {
  const where = `interface ${i.id}`;
  check(isValidInterfaceName(i.name), `${where}: bad name ${JSON.stringify(i.name)}`);
  checkCidr(i.address, where);
  check(Number.isInteger(i.listenPort) && i.listenPort > 0 && i.listenPort < 65536, `${where}: bad listen port`);
  check(isValidWireguardKey(i.privateKey), `${where}: malformed private key`);
  check(i.mtu === null || (Number.isInteger(i.mtu) && i.mtu >= 576 && i.mtu <= 65535), `${where}: bad mtu`);
  check(i.nat.snatAddress === null || isIpv4(i.nat.snatAddress), `${where}: bad snat address`);
}

function checkPeer(i: InterfaceState, p: PeerState): void {
  const pw = `interface ${i.id} peer ${p.id}`;
  check(isValidWireguardKey(p.publicKey), `${pw}: malformed public key`);
  check(p.presharedKey === null || isValidWireguardKey(p.presharedKey), `${pw}: malformed preshared key`);
  check(isIpv4(p.address), `${pw}: bad address`);
  check(p.allowedIps.length > 0, `${pw}: no allowed IPs`);
  // WireGuard routes IPv6 too: the API accepts IPv6 allowed IPs (PUQ's allowed_IPs_ipv6).
  for (const a of p.allowedIps) check(isCidr(a), `${pw}: bad allowed IP ${JSON.stringify(a)}`);
}

function checkPortForward(i: InterfaceState, f: PortForwardState): void {
  const fw = `interface ${i.id} port forward ${f.id}`;
  check(f.protocol === 'tcp' || f.protocol === 'udp', `${fw}: bad protocol`);
  check(isPort(f.port) && isPort(f.targetPort), `${fw}: bad port`);
  check(isIpv4(f.peerAddress), `${fw}: bad peer address`);
}

function checkForwardsUnique(state: HostDesiredState): void {
  const forwards = new Set<string>();
  for (const i of state.interfaces) {
    for (const f of i.portForwards) {
      const key = `${f.protocol}/${f.port}`;
      check(!forwards.has(key), `interface ${i.id} port forward ${f.id}: ${key} forwarded twice on this host`);
      forwards.add(key);
    }
  }
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n < 65536;
}

function checkCidr(s: string, where: string): void {
  check(isIpv4Cidr(s), `${where}: bad CIDR ${JSON.stringify(s)}`);
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new InvalidStateError(message);
}

import { isIpv4, isIpv4Cidr, isValidInterfaceName, isValidWireguardKey, type HostDesiredState } from '@wgfleet/domain';

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
  const names = new Set<string>();
  const forwards = new Set<string>();
  for (const i of state.interfaces) {
    const where = `interface ${i.id}`;
    check(isValidInterfaceName(i.name), `${where}: bad name ${JSON.stringify(i.name)}`);
    check(!names.has(i.name), `${where}: duplicate name ${i.name}`);
    names.add(i.name);
    checkCidr(i.address, where);
    check(Number.isInteger(i.listenPort) && i.listenPort > 0 && i.listenPort < 65536, `${where}: bad listen port`);
    check(isValidWireguardKey(i.privateKey), `${where}: malformed private key`);
    check(i.mtu === null || (Number.isInteger(i.mtu) && i.mtu >= 576 && i.mtu <= 65535), `${where}: bad mtu`);
    check(i.nat.snatAddress === null || isIpv4(i.nat.snatAddress), `${where}: bad snat address`);
    for (const p of i.peers) {
      const pw = `${where} peer ${p.id}`;
      check(isValidWireguardKey(p.publicKey), `${pw}: malformed public key`);
      check(p.presharedKey === null || isValidWireguardKey(p.presharedKey), `${pw}: malformed preshared key`);
      check(isIpv4(p.address), `${pw}: bad address`);
      check(p.allowedIps.length > 0, `${pw}: no allowed IPs`);
      for (const a of p.allowedIps) checkCidr(a, pw);
    }
    for (const f of i.portForwards) {
      const fw = `${where} port forward ${f.id}`;
      check(f.protocol === 'tcp' || f.protocol === 'udp', `${fw}: bad protocol`);
      check(isPort(f.port) && isPort(f.targetPort), `${fw}: bad port`);
      check(isIpv4(f.peerAddress), `${fw}: bad peer address`);
      const key = `${f.protocol}/${f.port}`;
      check(!forwards.has(key), `${fw}: ${key} forwarded twice on this host`);
      forwards.add(key);
    }
  }
  check(state.publicAddress === null || isIpv4(state.publicAddress), 'bad public address');
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

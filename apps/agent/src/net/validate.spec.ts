import { diffHostStates, type HostDesiredState, type InterfaceState, type PeerState } from '@wgfleet/domain';
import { assertValidChange, assertValidState, InvalidStateError } from './validate';

const KEY = (n: number): string => Buffer.alloc(32, n).toString('base64');

function peer(n: number): PeerState {
  const address = `100.64.0.${n}`;
  return { id: `p${n}`, publicKey: KEY(n), presharedKey: null, address, allowedIps: [`${address}/32`], enabled: true, bandwidth: { downloadKbit: 0, uploadKbit: 0 }, shapingId: n };
}

function host(peers: PeerState[], portForwards: InterfaceState['portForwards'] = []): HostDesiredState {
  const iface: InterfaceState = {
    id: 'i',
    name: 'wg0',
    address: '100.64.0.1/24',
    listenPort: 51820,
    privateKey: KEY(200),
    mtu: null,
    nat: { enabled: false, snatAddress: null },
    internalTraffic: true,
    defaultBandwidth: { downloadKbit: 0, uploadKbit: 0 },
    peers,
    portForwards,
  };
  return { hostId: 'h', revision: 1, publicAddress: null, interfaces: [iface] };
}

/** Validates `next` the way the data plane does on its incremental path. */
const change = (prev: HostDesiredState, next: HostDesiredState): void => assertValidChange(next, diffHostStates(prev, next));
const forward = (id: string, port: number) => ({ id, protocol: 'tcp' as const, port, peerAddress: '100.64.0.2', targetPort: 80 });

describe('state validation', () => {
  const base = host([peer(2), peer(3)], [forward('f1', 8080)]);

  it('accepts a valid state and rejects a malformed key', () => {
    expect(() => assertValidState(base)).not.toThrow();
    expect(() => assertValidState(host([{ ...peer(2), publicKey: 'nope' }]))).toThrow(InvalidStateError);
  });

  it('checks what a change brings in: added and changed peers, added port forwards', () => {
    expect(() => change(base, host([peer(2), peer(3), peer(4)], base.interfaces[0]?.portForwards))).not.toThrow();
    expect(() => change(base, host([peer(2), peer(3), { ...peer(4), publicKey: 'nope' }], base.interfaces[0]?.portForwards))).toThrow(/malformed public key/);
    expect(() => change(base, host([peer(2), { ...peer(3), address: '300.1.1.1' }], base.interfaces[0]?.portForwards))).toThrow(/bad address/);
    expect(() => change(base, host([peer(2), peer(3)], [forward('f1', 8080), forward('f2', 8080)]))).toThrow(/forwarded twice/);
  });

  it('accepts IPv6 allowed IPs (the API does) and refuses anything that is not a CIDR', () => {
    const v6 = { ...peer(2), allowedIps: ['100.64.0.2/32', 'fd00:1::2/128'] };
    expect(() => assertValidState(host([v6, peer(3)]))).not.toThrow();
    expect(() => change(base, host([v6, peer(3)], base.interfaces[0]?.portForwards))).not.toThrow();
    for (const bad of ['fd00::2', 'fd00::2/129', 'fe80::1%eth0/64', '10.0.0.0/24\nPostUp = x', '10.0.0.0/24, 0.0.0.0/0']) {
      expect(() => assertValidState(host([{ ...peer(2), allowedIps: [bad] }]))).toThrow(/bad allowed IP/);
    }
  });

  it('checks interface settings only when they changed', () => {
    const renamed: HostDesiredState = { ...base, interfaces: [{ ...(base.interfaces[0] as InterfaceState), name: 'bad name!' }] };
    expect(() => change(base, renamed)).toThrow(/bad name/);
  });
});

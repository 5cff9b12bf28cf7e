import type { HostDesiredState, InterfaceState, PeerState, PortForwardState } from './desired-state';
import { applyHostDelta, buildHostDelta, changedIds, completeInterfaceDelta, composeHostDelta, DeltaBaseMismatchError, type HostStateDelta } from './host-delta';

function peer(n: number, over: Partial<PeerState> = {}): PeerState {
  return {
    id: `p${n}`,
    publicKey: `key${n}`,
    presharedKey: null,
    address: `100.64.0.${n + 1}`,
    allowedIps: [`100.64.0.${n + 1}/32`],
    enabled: true,
    bandwidth: { downloadKbit: 0, uploadKbit: 0 },
    shapingId: n + 1,
    ...over,
  };
}

function forward(id: string, peerAddress: string, port = 8080): PortForwardState {
  return { id, protocol: 'tcp', port, peerAddress, targetPort: 80 };
}

function iface(id: string, peers: PeerState[], portForwards: PortForwardState[] = [], over: Partial<InterfaceState> = {}): InterfaceState {
  return {
    id,
    name: `wg-${id}`,
    address: '100.64.0.1/24',
    listenPort: 51820,
    privateKey: 'priv',
    mtu: null,
    nat: { enabled: true, snatAddress: null },
    internalTraffic: false,
    defaultBandwidth: { downloadKbit: 0, uploadKbit: 0 },
    peers,
    portForwards,
    ...over,
  };
}

function host(revision: number, interfaces: InterfaceState[], publicAddress: string | null = '203.0.113.1'): HostDesiredState {
  return { hostId: 'h1', revision, publicAddress, interfaces };
}

/** States compare by content, not by the order of their lists. */
function normalized(s: HostDesiredState): HostDesiredState {
  const byId = <T extends { id: string }>(a: T[]): T[] => [...a].sort((x, y) => x.id.localeCompare(y.id));
  return { ...s, interfaces: byId(s.interfaces).map((i) => ({ ...i, peers: byId(i.peers), portForwards: byId(i.portForwards) })) };
}

const emptyDelta = (from: number, to: number): HostStateDelta => ({
  fromRevision: from,
  toRevision: to,
  publicAddress: '203.0.113.1',
  interfaces: [],
  removedInterfaceIds: [],
  removedPeerIds: [],
  removedPortForwardIds: [],
});

describe('applyHostDelta', () => {
  const base = host(5, [iface('a', [peer(1), peer(2)], [forward('f1', '100.64.0.2')]), iface('b', [peer(10)])]);

  it('upserts one peer without touching the other interfaces', () => {
    const changed = peer(2, { enabled: false });
    const next = applyHostDelta(base, { ...emptyDelta(5, 6), interfaces: [{ interfaceId: 'a', settings: null, upsertedPeers: [changed, peer(3)], upsertedPortForwards: [] }] });
    expect(next.revision).toBe(6);
    expect(next.interfaces[0]?.peers).toEqual([peer(1), changed, peer(3)]);
    expect(next.interfaces[1]).toBe(base.interfaces[1]);
    expect(base.interfaces[0]?.peers).toHaveLength(2);
  });

  it('removes a peer with the port forwards to its address', () => {
    const next = applyHostDelta(base, { ...emptyDelta(5, 6), removedPeerIds: ['p1'] });
    expect(next.interfaces[0]?.peers.map((p) => p.id)).toEqual(['p2']);
    expect(next.interfaces[0]?.portForwards).toEqual([]);
  });

  it('re-creates a row removed in the same delta', () => {
    const again = forward('f2', '100.64.0.2', 9090);
    const next = applyHostDelta(base, { ...emptyDelta(5, 6), removedPeerIds: ['p1'], interfaces: [{ interfaceId: 'a', settings: null, upsertedPeers: [peer(1)], upsertedPortForwards: [again] }] });
    expect(next.interfaces[0]?.peers.map((p) => p.id)).toEqual(['p2', 'p1']);
    expect(next.interfaces[0]?.portForwards).toEqual([again]);
  });

  it('replaces the lists of an interface that comes with settings, and adds new interfaces', () => {
    const { settings } = completeInterfaceDelta(iface('a', [], [], { mtu: 1380 }));
    const next = applyHostDelta(base, {
      ...emptyDelta(5, 6),
      publicAddress: null,
      interfaces: [
        { interfaceId: 'a', settings, upsertedPeers: [peer(1)], upsertedPortForwards: [] },
        { interfaceId: 'c', settings: settings && { ...settings, id: 'c' }, upsertedPeers: [], upsertedPortForwards: [] },
      ],
      removedInterfaceIds: ['b'],
    });
    expect(next.publicAddress).toBeNull();
    expect(next.interfaces.map((i) => i.id)).toEqual(['a', 'c']);
    expect(next.interfaces[0]).toEqual(iface('a', [peer(1)], [], { mtu: 1380 }));
  });

  it('ignores removals of rows it does not have', () => {
    const next = applyHostDelta(base, { ...emptyDelta(5, 6), removedInterfaceIds: ['zz'], removedPeerIds: ['zz'], removedPortForwardIds: ['zz'] });
    expect(next.interfaces).toEqual(base.interfaces);
  });

  it('refuses a delta built on another revision, or for an interface it does not have', () => {
    expect(() => applyHostDelta(base, emptyDelta(4, 6))).toThrow(DeltaBaseMismatchError);
    expect(() => applyHostDelta(base, { ...emptyDelta(5, 6), interfaces: [{ interfaceId: 'zz', settings: null, upsertedPeers: [peer(7)], upsertedPortForwards: [] }] })).toThrow(
      DeltaBaseMismatchError,
    );
  });
});

describe('buildHostDelta', () => {
  const previous = host(1, [iface('a', [peer(1), peer(2), peer(3)], [forward('f1', '100.64.0.2'), forward('f2', '100.64.0.3', 8081)]), iface('b', [peer(10)])]);

  it('carries one peer for a one-peer change', () => {
    const next = host(2, [iface('a', [peer(1), peer(2, { bandwidth: { downloadKbit: 1000, uploadKbit: 0 } }), peer(3)], previous.interfaces[0]?.portForwards), iface('b', [peer(10)])]);
    const delta = buildHostDelta(previous, next);
    expect(delta.interfaces).toEqual([{ interfaceId: 'a', settings: null, upsertedPeers: [next.interfaces[0]?.peers[1]], upsertedPortForwards: [] }]);
    expect(delta.removedPeerIds).toEqual([]);
  });

  it.each<[string, HostDesiredState]>([
    ['peers added, removed and changed', host(2, [iface('a', [peer(2, { enabled: false }), peer(4)], [forward('f2', '100.64.0.3', 8081)]), iface('b', [peer(10)])])],
    ['an interface replaced and one added', host(3, [iface('a', [peer(1)], [], { listenPort: 51999 }), iface('c', [peer(20)], [forward('f9', '100.64.0.21')])])],
    ['a removed peer whose address is reused with its forward kept', host(2, [iface('a', [peer(2, { id: 'p99' }), peer(3)], [forward('f1', '100.64.0.3'), forward('f2', '100.64.0.3', 8081)]), iface('b', [peer(10)])])],
    ['nothing but the public address', host(2, previous.interfaces, '198.51.100.7')],
  ])('round-trips through applyHostDelta: %s', (_name, next) => {
    expect(normalized(applyHostDelta(previous, buildHostDelta(previous, next)))).toEqual(normalized(next));
  });
});

describe('changedIds', () => {
  it('deduplicates the rows named across records, whatever their op', () => {
    expect(
      changedIds([
        { resource: 'peer', id: 'p1' },
        { resource: 'peer', id: 'p1' },
        { resource: 'interface', id: 'a' },
        { resource: 'port-forward', id: 'f1' },
        { resource: 'host', id: 'h1' },
      ]),
    ).toEqual({ interfaceIds: ['a'], peerIds: ['p1'], portForwardIds: ['f1'] });
  });
});

describe('composeHostDelta', () => {
  const changed = { interfaceIds: [] as string[], peerIds: [] as string[], portForwardIds: [] as string[] };

  it('sends rows that exist and removes rows that are gone', () => {
    const delta = composeHostDelta({
      fromRevision: 3,
      toRevision: 5,
      publicAddress: null,
      changed: { ...changed, peerIds: ['p1', 'gone'], portForwardIds: ['f1', 'f-gone'] },
      interfaces: [],
      peers: [{ interfaceId: 'a', peer: peer(1) }],
      portForwards: [
        { interfaceId: 'a', forward: forward('f1', '100.64.0.2') },
        { interfaceId: 'a', forward: forward('f1', '100.64.0.2') },
      ],
    });
    expect(delta).toEqual({
      fromRevision: 3,
      toRevision: 5,
      publicAddress: null,
      interfaces: [{ interfaceId: 'a', settings: null, upsertedPeers: [peer(1)], upsertedPortForwards: [forward('f1', '100.64.0.2')] }],
      removedInterfaceIds: [],
      removedPeerIds: ['gone'],
      removedPortForwardIds: ['f-gone'],
    });
  });

  it('folds rows of a changed interface into its complete lists', () => {
    const a = iface('a', [peer(1)], [forward('f1', '100.64.0.2')]);
    const delta = composeHostDelta({
      fromRevision: 3,
      toRevision: 4,
      publicAddress: null,
      changed: { ...changed, interfaceIds: ['a', 'b'], peerIds: ['p1'], portForwardIds: ['f1'] },
      interfaces: [a],
      peers: [{ interfaceId: 'a', peer: peer(1) }],
      portForwards: [],
    });
    expect(delta.interfaces).toHaveLength(1);
    expect(delta.interfaces[0]?.settings?.name).toBe('wg-a');
    expect(delta.interfaces[0]?.upsertedPeers).toEqual([peer(1)]);
    expect(delta.removedInterfaceIds).toEqual(['b']);
    expect(delta.removedPeerIds).toEqual([]);
    expect(delta.removedPortForwardIds).toEqual([]);
  });
});

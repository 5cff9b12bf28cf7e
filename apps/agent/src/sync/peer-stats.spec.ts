import type { HostDesiredState, PeerState } from '@wgfleet/domain';
import type { WgDump, WgDumpPeer } from '../drivers/wireguard/wg-dump';
import { ChangedPeerFilter, readPeerFigures, type PeerFigures } from './peer-stats';

const peer = (id: string, publicKey: string): PeerState => ({
  id,
  publicKey,
  presharedKey: null,
  address: '100.64.0.2',
  allowedIps: ['100.64.0.2/32'],
  enabled: true,
  bandwidth: { downloadKbit: 0, uploadKbit: 0 },
  shapingId: 2,
});

const live = (publicKey: string, rx: number): WgDumpPeer => ({
  publicKey,
  presharedKey: null,
  endpoint: rx > 0 ? '198.18.1.2:51820' : null,
  allowedIps: [],
  latestHandshake: rx > 0 ? 1_700_000_000 : 0,
  rxBytes: rx,
  txBytes: rx * 2,
  persistentKeepalive: null,
});

describe('readPeerFigures', () => {
  it('maps live peers to peer ids by public key and skips missing interfaces and unknown keys', async () => {
    const state = {
      hostId: 'h',
      revision: 1,
      publicAddress: null,
      interfaces: [
        { name: 'wga', peers: [peer('p1', 'K1'), peer('p2', 'K2')] },
        { name: 'wgmissing', peers: [peer('p3', 'K3')] },
      ],
    } as unknown as HostDesiredState;
    const dumps: Record<string, WgDump> = { wga: { privateKey: null, publicKey: null, listenPort: 1, fwmark: null, peers: [live('K1', 10), live('Kx', 5)] } };
    expect(await readPeerFigures(state, async (n) => dumps[n] ?? null)).toEqual([
      { peerId: 'p1', rxBytes: 10, txBytes: 20, latestHandshakeUnix: 1_700_000_000, endpoint: '198.18.1.2:51820' },
    ]);
  });
});

describe('ChangedPeerFilter', () => {
  const f = (peerId: string, rx: number): PeerFigures => ({ peerId, rxBytes: rx, txBytes: 0, latestHandshakeUnix: 0, endpoint: '' });

  it('reports everything first, then only peers whose figures changed', () => {
    const filter = new ChangedPeerFilter();
    expect(filter.changed([f('a', 1), f('b', 1)])).toEqual([f('a', 1), f('b', 1)]);
    expect(filter.changed([f('a', 1), f('b', 2)])).toEqual([f('b', 2)]);
    expect(filter.changed([f('a', 1), f('b', 2)])).toEqual([]);
  });

  it('reports a removed-then-returning peer again', () => {
    const filter = new ChangedPeerFilter();
    filter.changed([f('a', 1), f('b', 1)]);
    filter.changed([f('a', 1)]);
    expect(filter.changed([f('a', 1), f('b', 1)])).toEqual([f('b', 1)]);
  });
});

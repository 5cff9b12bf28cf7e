import { diffHostStates, type HostDesiredState, type InterfaceState, type PeerState } from '@wgfleet/domain';
import { renderDelta } from './nft-delta';
import { renderTable } from './nft-ruleset';

const peer = (n: number, enabled = true): PeerState => ({
  id: `p${n}`,
  publicKey: `key${n}`,
  presharedKey: null,
  address: `100.64.0.${n}`,
  allowedIps: [`100.64.0.${n}/32`],
  enabled,
  bandwidth: { downloadKbit: 0, uploadKbit: 0 },
  shapingId: n,
});

const iface = (over: Partial<InterfaceState> = {}): InterfaceState => ({
  id: 'i1',
  name: 'wg0',
  address: '100.64.0.1/24',
  listenPort: 51820,
  privateKey: 'k',
  mtu: null,
  nat: { enabled: true, snatAddress: null },
  internalTraffic: true,
  defaultBandwidth: { downloadKbit: 0, uploadKbit: 0 },
  peers: [peer(2), peer(3, false)],
  portForwards: [{ id: 'f1', protocol: 'tcp', port: 8080, peerAddress: '100.64.0.2', targetPort: 80 }],
  ...over,
});

const host = (i: InterfaceState): HostDesiredState => ({ hostId: 'h', revision: 1, publicAddress: null, interfaces: [i] });

function delta(a: InterfaceState, b: InterfaceState): ReturnType<typeof renderDelta> {
  return renderDelta(host(a).interfaces, diffHostStates(host(a), host(b)), 'wgfleet');
}

describe('renderTable', () => {
  it('renders an atomic create-or-replace with per-peer data only in sets and maps', () => {
    const text = renderTable(host(iface({ internalTraffic: false, nat: { enabled: true, snatAddress: '198.18.0.1' } })));
    expect(text.split('\n').slice(0, 3)).toEqual(['table inet wgfleet {}', 'delete table inet wgfleet', 'table inet wgfleet {']);
    expect(text).toContain('elements = { "wg0" . 100.64.0.3 }');
    expect(text).toContain('elements = { tcp . 8080 : 100.64.0.2 . 80 }');
    expect(text).toContain('oifname != @wg_ifaces ip saddr 100.64.0.0/24 counter snat ip to 198.18.0.1');
    expect(text).toContain('iifname "wg0" oifname "wg0" counter drop');
    expect(text).not.toContain('100.64.0.2 counter drop');
  });
});

describe('renderDelta', () => {
  it('turns a suspend into one element add', () => {
    const d = delta(iface(), iface({ peers: [peer(2, false), peer(3, false)] }));
    expect(d).toEqual({ kind: 'batch', text: 'add element inet wgfleet blocked_peers { "wg0" . 100.64.0.2 }\n' });
  });

  it('deletes idempotently (add + delete) and deletes before adding', () => {
    const d = delta(iface(), iface({ peers: [peer(2)], portForwards: [{ id: 'f2', protocol: 'tcp', port: 8080, peerAddress: '100.64.0.2', targetPort: 81 }] }));
    expect(d.kind === 'batch' && d.text.split('\n')).toEqual([
      'add element inet wgfleet blocked_peers { "wg0" . 100.64.0.3 }',
      'delete element inet wgfleet blocked_peers { "wg0" . 100.64.0.3 }',
      'add element inet wgfleet port_forwards { tcp . 8080 : 100.64.0.2 . 80 }',
      'delete element inet wgfleet port_forwards { tcp . 8080 : 100.64.0.2 . 80 }',
      'add element inet wgfleet port_forwards { tcp . 8080 : 100.64.0.2 . 81 }',
      '',
    ]);
  });

  it('ignores changes that are not nftables business, and asks for the full table for rule changes', () => {
    expect(delta(iface(), iface({ peers: [{ ...peer(2), bandwidth: { downloadKbit: 1, uploadKbit: 1 } }, peer(3, false)] }))).toEqual({ kind: 'none' });
    expect(delta(iface(), iface({ internalTraffic: false }))).toEqual({ kind: 'full' });
  });
});

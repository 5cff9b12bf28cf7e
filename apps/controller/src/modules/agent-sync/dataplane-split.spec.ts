import { splitDataplaneReport } from './dataplane-split';

const interfaces = [
  { id: 'i0', name: 'wg0', address: '100.64.0.1/24' },
  { id: 'i1', name: 'wg1', address: '100.64.1.1/24' },
];

describe('splitDataplaneReport', () => {
  it('gives each interface its WireGuard dump, its rules and the host-wide ones, its forwards and tc classes', () => {
    const report = {
      wireguard: { backend: 'kernel', interfaces: [{ name: 'wg0', peers: [] }, { name: 'wg1', peers: [{ publicKey: 'k' }] }] },
      nftables: {
        table: 'wgfleet',
        present: true,
        rules: [{ comment: 'wg0: nat' }, { comment: 'wg1: internal traffic off' }, { comment: 'suspended peers: to host' }, { comment: null }],
        portForwards: [{ peerAddress: '100.64.1.5', port: 80 }],
        blockedPeers: [{ ifname: 'wg0', address: '100.64.0.9' }],
      },
      others: { tc: { interfaces: [{ interface: 'wg1', devices: [] }] } },
    };
    const [wg0, wg1] = splitDataplaneReport(report, interfaces);
    expect(wg0).toEqual({
      interfaceId: 'i0',
      report: {
        wireguard: { backend: 'kernel', name: 'wg0', peers: [] },
        nftables: { table: 'wgfleet', present: true, rules: [{ comment: 'wg0: nat' }, { comment: 'suspended peers: to host' }, { comment: null }], portForwards: [], blockedPeers: [{ ifname: 'wg0', address: '100.64.0.9' }] },
        tc: null,
      },
    });
    expect(wg1?.report.tc).toEqual({ interface: 'wg1', devices: [] });
    expect(wg1?.report.nftables).toMatchObject({ rules: [{ comment: 'wg1: internal traffic off' }, { comment: 'suspended peers: to host' }, { comment: null }], portForwards: [{ port: 80 }], blockedPeers: [] });
  });

  it('turns what is missing or malformed into nulls instead of failing', () => {
    expect(splitDataplaneReport('not an object', interfaces)[0]).toEqual({ interfaceId: 'i0', report: { wireguard: null, nftables: null, tc: null } });
    expect(splitDataplaneReport({ wireguard: { interfaces: 'x' }, nftables: { rules: 5 } }, interfaces)[1]?.report).toEqual({
      wireguard: null,
      nftables: { table: null, present: null, rules: [], portForwards: [], blockedPeers: [] },
      tc: null,
    });
  });
});

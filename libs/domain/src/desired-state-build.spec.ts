import { peerStateFrom } from './desired-state-build';

const iface = { address: '100.64.2.1/23', defaultBandwidth: { downloadKbit: 8000, uploadKbit: 2000 } };
const row = { id: 'p1', publicKey: 'pub', presharedKey: null, address: '100.64.3.7', extraAllowedIps: ['192.168.9.0/24'], downloadKbit: null, uploadKbit: 0, suspended: false };

describe('peerStateFrom', () => {
  it('resolves the default bandwidth per direction, the allowed IPs and the shaping id', () => {
    expect(peerStateFrom(row, iface)).toEqual({
      id: 'p1',
      publicKey: 'pub',
      presharedKey: null,
      address: '100.64.3.7',
      allowedIps: ['100.64.3.7/32', '192.168.9.0/24'],
      enabled: true,
      bandwidth: { downloadKbit: 8000, uploadKbit: 0 },
      shapingId: 263,
    });
  });

  it('disables a suspended peer and never lists its own /32 twice', () => {
    const state = peerStateFrom({ ...row, suspended: true, extraAllowedIps: ['100.64.3.7/32'] }, iface);
    expect(state.enabled).toBe(false);
    expect(state.allowedIps).toEqual(['100.64.3.7/32']);
  });
});

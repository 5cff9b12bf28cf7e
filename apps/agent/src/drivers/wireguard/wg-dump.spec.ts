import type { InterfaceState } from '@wgfleet/domain';
import { wireguardDrift } from './wg-drift';
import { parseWgDump } from './wg-dump';

const PRIV = 'aJQzXvLUNO9eBPV4xyGd5sJ/Fa3WRZ6Gi3vGM31w7GQ=';
const A = 'CB1FHMEiLTt/keUywBSnBhZj+NPsrrAb6X7whlnLiWI=';
const B = 'hrg/H6pzxUofVJblmfy81neizO85BWAn19gvfMuYGGA=';
const DUMP = [
  `${PRIV}\tpSyLZJXgxRPmCT16Rj9dO1/3ax/Q4CXBABL8d7kfyTQ=\t51999\toff`,
  `${A}\t(none)\t198.18.1.2:41000\t100.64.0.2/32,10.1.0.0/24\t1700000000\t1200\t3400\toff`,
  `${B}\t${B}\t(none)\t(none)\t0\t0\t0\t25`,
  '',
].join('\n');

describe('parseWgDump', () => {
  it('parses interface and peers', () => {
    const d = parseWgDump(DUMP);
    expect(d).toMatchObject({ privateKey: PRIV, listenPort: 51999, fwmark: null });
    expect(d.peers[0]).toEqual({
      publicKey: A,
      presharedKey: null,
      endpoint: '198.18.1.2:41000',
      allowedIps: ['100.64.0.2/32', '10.1.0.0/24'],
      latestHandshake: 1700000000,
      rxBytes: 1200,
      txBytes: 3400,
      persistentKeepalive: null,
    });
    expect(d.peers[1]).toMatchObject({ presharedKey: B, endpoint: null, allowedIps: [], persistentKeepalive: 25 });
  });
});

describe('wireguardDrift', () => {
  const base: InterfaceState = {
    id: 'i',
    name: 'wg0',
    address: '100.64.0.1/24',
    listenPort: 51999,
    privateKey: PRIV,
    mtu: null,
    nat: { enabled: false, snatAddress: null },
    internalTraffic: true,
    defaultBandwidth: { downloadKbit: 0, uploadKbit: 0 },
    portForwards: [],
    peers: [
      { id: 'a', publicKey: A, presharedKey: null, address: '100.64.0.2', allowedIps: ['10.1.0.0/24', '100.64.0.2/32'], enabled: true, bandwidth: { downloadKbit: 0, uploadKbit: 0 }, shapingId: 2 },
    ],
  };

  it('is empty when only order differs, and names peers by public key only', () => {
    const dump = parseWgDump(DUMP);
    expect(wireguardDrift(base, dump)).toEqual([`wg0: unexpected peer ${B}`]);
    const drift = wireguardDrift({ ...base, listenPort: 1, peers: [{ ...base.peers[0]!, presharedKey: B }] }, dump).join('\n');
    expect(drift).toContain('listen port 51999, want 1');
    expect(drift).toContain('preshared key differs');
    expect(drift).not.toContain(PRIV);
  });

  it('compares allowed IPs as networks: IPv6 spellings and host bits are no drift', () => {
    // `wg` prints what the kernel holds: masked networks, IPv6 lowercase and compressed.
    const dump = parseWgDump(`${PRIV}\t${A}\t51999\toff\n${A}\t(none)\t(none)\t100.64.0.2/32,10.1.0.0/24,fd00::1/128,fd00:1::/64\t0\t0\t0\toff\n`);
    const peer = { ...base.peers[0]!, allowedIps: ['100.64.0.2/32', '10.1.0.9/24', 'FD00::1/128', 'fd00:0001:0:0::7/64'] };
    expect(wireguardDrift({ ...base, peers: [peer] }, dump)).toEqual([]);
    const moved = { ...peer, allowedIps: ['100.64.0.2/32', '10.1.0.9/24', 'fd00::2/128', 'fd00:1::/64'] };
    expect(wireguardDrift({ ...base, peers: [moved] }, dump)).toEqual([`wg0: peer ${A} allowed IPs 100.64.0.2/32,10.1.0.0/24,fd00::1/128,fd00:1::/64, want 100.64.0.2/32,10.1.0.9/24,fd00::2/128,fd00:1::/64`]);
  });
});

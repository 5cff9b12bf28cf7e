// Unit tests of the pure PUQ translation pieces: request values, native-error texts, report texts.
import { ApiError } from '../../common/api-error';
import { PuqError } from './puq-envelope';
import { PUQ_TEXT, textForApiError } from './puq-errors';
import { renderDump, renderFilterRules, renderNatRules, renderTrafficControl, rateText } from './puq-dataplane-text';
import { field, parseAccountInput, parseForwardKey, parseServerInput } from './puq-input';
import { bandwidthOf, handshakeText, interfaceFields, mbitText, peerCapacity, wireguardInfo } from './puq-output';

const PRIV = 'AG9dc2NLVVBGT3bxg7YT0QJHTplWHcHJmzAPUOOx22g=';
const PUB = 'PasJjAGnzTxV4meACiGtx3QvJ6jzvPugs4nBdzKUcSU=';

function puqError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof PuqError) return e.message;
    throw e;
  }
  throw new Error('no PuqError thrown');
}

describe('PUQ request values', () => {
  it('reads form strings and JSON scalars alike; empty means not given; a repeated field counts its last value', () => {
    expect(field({ a: ' 5 ' }, 'a')).toBe('5');
    expect(field({ a: 5 }, 'a')).toBe('5');
    expect(field({ a: true }, 'a')).toBe('true');
    expect(field({ a: '' }, 'a')).toBeUndefined();
    expect(field({ a: ['1', '2'] }, 'a')).toBe('2');
    expect(field({}, 'a')).toBeUndefined();
  });

  it('parses a server, with flags as 1/0 or words and keys whose "+" arrived as a space', () => {
    const input = parseServerInput({ internal_traffic: 'false', ikev2: '1', listen_port: '51333', keep_alive: 50, private_key: PRIV.replace(/\+/g, ' '), b_download: '1.5' });
    expect(input).toMatchObject({ internalTraffic: false, ikev2: true, listenPort: 51333, keepAlive: 50, privateKey: PRIV, publicKey: PUB, downloadMbit: 1.5 });
  });

  it.each([
    [{ name: 'a b' }, PUQ_TEXT.wrongName],
    [{ interface_name: 'eth0' }, PUQ_TEXT.wrongInterfaceName],
    [{ public_key: PUB }, PUQ_TEXT.keysInvalid],
    [{ private_key: PRIV, public_key: PRIV }, PUQ_TEXT.keysInvalid],
    [{ external_ip: 'example.com' }, PUQ_TEXT.wrongExternalIp],
    [{ listen_port: '65536' }, PUQ_TEXT.wrongPort],
    [{ address: '10.0.0.1' }, PUQ_TEXT.wrongIp],
    [{ dns_1: '1.1.1' }, PUQ_TEXT.wrongDns1],
    [{ dns_2: {} }, PUQ_TEXT.wrongDns2],
    [{ keep_alive: '2147483647' }, PUQ_TEXT.wrongKeepAlive],
    [{ b_upload: '10001' }, PUQ_TEXT.wrongBandwidth],
    [{ ikev2: 'maybe' }, PUQ_TEXT.wrongFlag],
  ])('refuses server field %j with its text', (body, text) => {
    expect(puqError(() => parseServerInput(body))).toBe(text);
  });

  it('parses accounts: a /32 suffix is dropped, status words, a public key alone is allowed', () => {
    expect(parseAccountInput({ wg_name: 'S', allowed_IPs: '10.0.0.2/32', status: 'disable', public_key: PUB, password: ' p w ' }, true)).toMatchObject({
      wgName: 'S',
      address: '10.0.0.2',
      enabled: false,
      publicKey: PUB,
      password: ' p w ',
    });
    expect(puqError(() => parseAccountInput({ status: 'on hold' }, false))).toBe(PUQ_TEXT.wrongStatus);
    expect(puqError(() => parseAccountInput({ allowed_IPs_ipv6: '10.0.0.2' }, false))).toBe(PUQ_TEXT.wrongIp);
    expect(puqError(() => parseAccountInput({ username: 'a b' }, true))).toBe(PUQ_TEXT.wrongUsername);
  });

  it('checks the port-forward DELETE path values', () => {
    expect(parseForwardKey('53', 'UDP')).toEqual({ port: 53, protocol: 'udp' });
    expect(puqError(() => parseForwardKey('0', 'udp'))).toBe(PUQ_TEXT.incorrectDstPort);
    expect(puqError(() => parseForwardKey('53', 'gre'))).toBe(PUQ_TEXT.incorrectProtocol);
  });
});

describe('PUQ ↔ native values', () => {
  it('converts Mbit/s to kbit/s (×1000) and back, keeping the direction not given', () => {
    expect(bandwidthOf(11, undefined, { downloadKbit: 1, uploadKbit: 2 })).toEqual({ downloadKbit: 11_000, uploadKbit: 2 });
    expect(bandwidthOf(undefined, undefined, { downloadKbit: 1, uploadKbit: 2 })).toBeUndefined();
    expect(mbitText(11_000)).toBe('11');
    expect(mbitText(1500)).toBe('1.5');
  });

  it('maps external_ip to both the endpoint and the SNAT source, and merges DNS with the current list', () => {
    const current = { dns: ['8.8.8.8', '1.1.1.1'], defaultBandwidth: { downloadKbit: 0, uploadKbit: 0 } };
    expect(interfaceFields({ externalIp: '192.0.2.1', dns2: '9.9.9.9' }, current as never)).toEqual({
      endpoint: '192.0.2.1',
      nat: { enabled: true, snatAddress: '192.0.2.1' },
      dns: ['8.8.8.8', '9.9.9.9'],
    });
  });

  it('formats handshakes and counts capacity', () => {
    expect(handshakeText(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02 03:04:05');
    expect(peerCapacity('10.0.0.1/24')).toBe(253);
  });

  it('reports WireGuard versions from host facts, old and new agents alike', () => {
    expect(wireguardInfo({})).toEqual({ wireguard: '', 'wireguard-dkms': '', 'wireguard-tools': '' });
    expect(wireguardInfo({ wireguardImplementation: 'wireguard-go', wireguardVersion: '0.0.20230223', wireguardToolsVersion: '1.0.20210914' })).toEqual({
      wireguard: '0.0.20230223 (wireguard-go)',
      'wireguard-dkms': '',
      'wireguard-tools': '1.0.20210914',
    });
    expect(wireguardInfo({ wireguardImplementation: 'kernel', kernel: '6.1.0-18-amd64', wireguardVersion: 'unavailable' }).wireguard).toBe('6.1.0-18-amd64 (kernel)');
  });

  it('translates native errors by code, field and message', () => {
    const rules = [
      { code: 'NOT_FOUND', message: /^Peer/, text: 'peer' },
      { code: 'NOT_FOUND', text: 'server' },
      { code: 'VALIDATION_FAILED', field: 'address', text: 'address' },
    ];
    expect(textForApiError(ApiError.notFound('Peer'), rules)).toBe('peer');
    expect(textForApiError(ApiError.notFound('Interface'), rules)).toBe('server');
    expect(textForApiError(ApiError.invalid('address', 'x'), rules)).toBe('address');
    expect(textForApiError(ApiError.invalid('name', 'x'), rules)).toBeNull();
  });
});

describe('report texts', () => {
  const iface = { name: 'wg0', address: '10.0.124.1/24', snatAddress: null };
  const nftables = {
    rules: [
      { chain: 'postrouting', comment: 'wg0: nat', packets: 4, bytes: 240 },
      { chain: 'postrouting', comment: 'wg1: nat', packets: 1, bytes: 1 },
    ],
    portForwards: [{ protocol: 'udp', port: 53, peerAddress: '10.0.124.2', targetPort: 53, packets: 1, bytes: 70 }],
    blockedPeers: [{ ifname: 'wg1', address: '10.0.124.9', packets: 1, bytes: 1 }],
  };

  it('renders only the interface rules the report contains, with their counters', () => {
    expect(renderNatRules(nftables, iface)).toBe('10.0.124.0/24 -> 0.0.0.0/0 MASQUERADE  Pkt:4 Bytes:240\n0.0.0.0/0 -> 0.0.0.0/0 DNAT udp dpt:53 to:10.0.124.2:53 Pkt:1 Bytes:70\n');
    expect(renderFilterRules(nftables, iface)).toBe('');
    expect(renderNatRules(null, iface)).toBe('');
    expect(renderNatRules({ rules: 'garbage' }, iface)).toBe('');
  });

  it('renders tc statistics of a per-interface or whole-host report', () => {
    const devices = [{ device: 'wg0', qdisc: null, classes: [{ classid: '1:ffff', rateBits: 1e10, bytes: 1, packets: 1, drops: 0, overlimits: 0, backlogBytes: 0 }] }];
    const text = 'class htb 1:ffff dev wg0 rate 10Gbit\n Sent 1 bytes 1 pkt (dropped 0, overlimits 0) \n backlog 0b\n';
    expect(renderTrafficControl({ interface: 'wg0', devices }, 'wg0')).toBe(text);
    expect(renderTrafficControl({ interfaces: [{ interface: 'wg0', devices }] }, 'wg0')).toBe(text);
    expect(renderTrafficControl({ interfaces: [] }, 'wg0')).toBe('');
    expect(rateText(1500)).toBe('1500bit');
    expect(rateText(64_000)).toBe('64Kbit');
  });

  it('reads the dump of either report form', () => {
    expect(renderDump({ name: 'wg0', listenPort: 51820, publicKey: PUB }, 'wg0')).toEqual({ port: '51820', public_key: PUB });
    expect(renderDump({ interfaces: [{ name: 'wg0', listenPort: 1, publicKey: PUB }] }, 'wg0')).toEqual({ port: '1', public_key: PUB });
    expect(renderDump(null, 'wg0')).toEqual({ port: '', public_key: '' });
  });
});

// Contract tests of the PUQVPNCP v1 surface, built from seed 002's examples (each request sent as
// its curl shows it, form-encoded; each response compared with the example's shape, value types
// and, where the values come from the request, the values) and from its error lists (each text
// provoked). Calls the seed leaves out (accounts, online, system status) follow COMPAT-APIS.md §1.
import type { Response } from 'supertest';
import { api, countRows, createApiKey, createInterface, createPeer, desiredRevision, type HostBody, type PeerBody } from './fixtures';
import { AgentReportsService } from '../src/modules/agent-sync/agent-reports.service';
import { PuqDirectory } from '../src/modules/compat-puq/puq-directory.service';
import { queryDb, startTestApp, type TestApp } from './harness';

type Method = 'get' | 'post' | 'put' | 'delete';

interface Envelope {
  error: string;
  msg: unknown;
  status: 'success' | 'error';
}

// The seed's key pairs (all valid X25519 pairs).
const K = {
  d87: { priv: 'mPzPaGF2nltQEJ+FAptKJLKG+oG3lYQKrvrn1GOZrXU=', pub: 'u2ACzhkKxlZfI52gcAsZuNdryum5ZgCeNY9ezqEI9kU=' },
  d97: { priv: '4IbFB7rnE6QYdOhd2dssVrNrbhhIb/MV/VyJgB/QkWk=', pub: '9aLp9bEq+CI+yYM/lMBKEuwIG0NW1fO3IcBjFioI7XQ=' },
  d28: { priv: '2DJdzjmOtT1IfAg25V3PuuTM1biFCcvOk7wI5D4SIUk=', pub: 'qO2nrUkvxcWJ6xuMbZB1DMiCZ9OLUl918bQS8PnkDTE=' },
  d128: { priv: 'cAnS3fQbdvHUS+9eV05Uf+cP+gn8i4LpzXsdE7mUZ2E=', pub: 'RVNBbsEIjEkgsyXzmd5vMBIcOzzcTSC/fPscdDwzlQo=' },
  p126: { priv: 'AG9dc2NLVVBGT3bxg7YT0QJHTplWHcHJmzAPUOOx22g=', pub: 'PasJjAGnzTxV4meACiGtx3QvJ6jzvPugs4nBdzKUcSU=' },
  p132: { priv: 'QJhk78F9ZyLmudqTlJAr4eVCSSmMgVblNEzWFyALbW4=', pub: '6jyITtbPNZNzRXexxIEnVBrN7hriRep3nlKhLeyqSFk=' },
};

/** A curl `-d "a=1&\<newline>b=2"` body: the shell joins the lines, curl sends the bytes unencoded. */
const form = (...pairs: string[]): string => pairs.join('&');

const SERVER_TYPES = {
  address: 'string',
  b_download: 'string',
  b_upload: 'string',
  dns_1: 'string',
  dns_2: 'string',
  external_ip: 'string',
  ikev2: 'boolean',
  interface_name: 'string',
  internal_traffic: 'boolean',
  keep_alive: 'number',
  listen_port: 'string',
  name: 'string',
  private_key: 'string',
  public_key: 'string',
};
const ACCOUNT_TYPES = Object.fromEntries(['allowed_IPs', 'b_download', 'b_upload', 'mangle', 'name', 'password', 'private_key', 'public_key', 'status', 'username', 'wg_name'].map((k) => [k, 'string']));
const FORWARD_TYPES = { dst_port: 'number', protocol: 'string', to_peer: 'string', to_port: 'number' };

function typesOf(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v]));
}

describe('PUQVPNCP v1 compatibility surface', () => {
  let t: TestApp;
  let host: HostBody;

  async function call(method: Method, path: string, body?: string | object, cookie: string | null = `access_hash=${t.adminKey}`): Promise<Envelope> {
    let req = t.http()[method](`/api/v1/${path}`);
    if (cookie !== null) req = req.set('Cookie', cookie);
    if (typeof body === 'string') req = req.type('form').send(body);
    else if (body !== undefined) req = req.send(body);
    const res: Response = await req;
    // Always 200 and the envelope, success or not.
    expect({ status: res.status, type: res.type }).toEqual({ status: 200, type: 'application/json' });
    const envelope = res.body as Envelope;
    expect(Object.keys(envelope).sort()).toEqual(['error', 'msg', 'status']);
    return envelope;
  }

  async function ok<T>(method: Method, path: string, body?: string | object): Promise<T> {
    const envelope = await call(method, path, body);
    expect(envelope).toMatchObject({ error: '', status: 'success' });
    return envelope.msg as T;
  }

  async function fails(method: Method, path: string, body: string | object | undefined, text: string, cookie?: string | null): Promise<void> {
    expect(await call(method, path, body, cookie)).toEqual({ error: text, msg: '', status: 'error' });
  }

  /** What agents report goes in through the agent sync's own service, as a gRPC stream's messages would. */
  const agentReports = (): AgentReportsService => t.app.get(AgentReportsService, { strict: false });

  async function peerId(name: string): Promise<string> {
    const [row] = await queryDb<{ id: string }>(t.databaseUrl, `SELECT id FROM peers WHERE name = $1`, [name]);
    return row?.id ?? '';
  }

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('WireGuard server ADD', () => {
    it('answers "Wireguard server not found" while there is no host to create it on', async () => {
      await fails('post', 'wireguard', form('name=Nowhere'), 'Wireguard server not found');
      const res = await t.http().post(api('/hosts')).set(t.auth()).send({ name: 'vpn-1', kind: 'linux', publicAddress: '77.87.125.200' });
      host = res.body as HostBody;
    });

    it('creates the example server and echoes it as the seed shows', async () => {
      const msg = await ok('post', 'wireguard', form(
        'address=10.0.26.1/24', 'b_download=0', 'b_upload=0', 'dns_1=10.0.26.1', 'dns_2=77.87.125.200', 'external_ip=77.87.125.200',
        'interface_name=wg28', 'internal_traffic=1', 'listen_port=51848', 'name=Default_28', 'keep_alive=25', 'ikev2=1',
        `private_key=${K.d28.priv}`, `public_key=${K.d28.pub}`,
      ));
      expect(msg).toEqual({
        address: '10.0.26.1/24',
        b_download: '0',
        b_upload: '0',
        dns_1: '10.0.26.1',
        dns_2: '77.87.125.200',
        external_ip: '77.87.125.200',
        ikev2: true,
        interface_name: 'wg28',
        internal_traffic: true,
        keep_alive: 25,
        listen_port: '51848',
        name: 'Default_28',
        private_key: K.d28.priv,
        public_key: K.d28.pub,
      });
    });

    it('fills omitted fields with unique values', async () => {
      const a = await ok<Record<string, unknown>>('post', 'wireguard', form());
      const b = await ok<Record<string, unknown>>('post', 'wireguard', {});
      expect(typesOf(a)).toEqual(SERVER_TYPES);
      for (const k of ['name', 'interface_name', 'listen_port', 'address', 'private_key', 'public_key']) expect(a[k]).not.toEqual(b[k]);
      expect(a).toMatchObject({ external_ip: '77.87.125.200', ikev2: false, b_download: '0' });
      await ok('delete', `wireguard/${String(a['name'])}`);
      await ok('delete', `wireguard/${String(b['name'])}`);
    });

    it.each([
      [form('name=Default_28'), 'The name is already in use'],
      [form('interface_name=eth0'), 'Wrong network interface name (wgXXX)'],
      [form('name=bad name!'), "Wrong name (only letters, numbers and '_', '-')"],
      [form(`private_key=${K.d87.priv}`, `public_key=${K.d97.pub}`), 'Keys are invalid'],
      [form(`public_key=${K.d87.pub}`), 'Keys are invalid'],
      [form('private_key=not-a-key'), 'Keys are invalid'],
      [form('interface_name=wg28'), 'Interface already in use'],
      [form('listen_port=51848'), 'Port already in use'],
      [form('external_ip=77.87.125'), 'Wrong external IP format'],
      [form('listen_port=80'), 'Wrong Port format'],
      [form('listen_port=65536'), 'Wrong Port format'],
      [form('listen_port=abc'), 'Wrong Port format'],
      [form('address=10.0.26.129/25'), 'IP address or subnet already in use'],
      [form('dns_1=8.8.8'), 'Wrong DNS1 IP format'],
      [form('dns_2=one.one'), 'Wrong DNS2 IP format'],
    ])('refuses %s with "%s"', async (body, text) => {
      const before = await countRows(t, 'interfaces');
      await fails('post', 'wireguard', body, text);
      expect(await countRows(t, 'interfaces')).toBe(before);
    });
  });

  describe('WireGuards servers list, EDIT, DETAIL, DELETE', () => {
    it('lists servers keyed by name, as the seed shows', async () => {
      await ok('post', 'wireguard', form('address=10.0.86.1/24', 'b_download=11', 'b_upload=22', 'dns_1=8.8.8.8', 'dns_2=1.1.1.1', 'external_ip=77.87.125.200', 'ikev2=0', 'interface_name=wg87', 'internal_traffic=0', 'keep_alive=0', 'listen_port=51907', 'name=Default_87', `private_key=${K.d87.priv}`, `public_key=${K.d87.pub}`));
      // JSON bodies work too, with JSON types.
      await ok('post', 'wireguard', { address: '10.0.96.1/24', b_download: 1, b_upload: 1, dns_1: '8.8.8.8', dns_2: '1.1.1.1', external_ip: '77.87.125.200', ikev2: true, interface_name: 'wg97', internal_traffic: false, keep_alive: 1, listen_port: 51917, name: 'Default_97', private_key: K.d97.priv, public_key: K.d97.pub });
      const msg = await ok<Record<string, unknown>>('get', 'wireguard');
      expect(msg['Default_87']).toEqual({ address: '10.0.86.1/24', b_download: '11', b_upload: '22', dns_1: '8.8.8.8', dns_2: '1.1.1.1', external_ip: '77.87.125.200', ikev2: false, interface_name: 'wg87', internal_traffic: false, keep_alive: 0, listen_port: '51907', name: 'Default_87', private_key: K.d87.priv, public_key: K.d87.pub });
      expect(msg['Default_97']).toEqual({ address: '10.0.96.1/24', b_download: '1', b_upload: '1', dns_1: '8.8.8.8', dns_2: '1.1.1.1', external_ip: '77.87.125.200', ikev2: true, interface_name: 'wg97', internal_traffic: false, keep_alive: 1, listen_port: '51917', name: 'Default_97', private_key: K.d97.priv, public_key: K.d97.pub });
      for (const server of Object.values(msg)) expect(typesOf(server)).toEqual(SERVER_TYPES);
    });

    it('edits the example server as the seed shows, and shows its detail', async () => {
      await ok('post', 'wireguard', form('address=10.0.127.1/24', 'b_download=6', 'b_upload=7', 'dns_1=8.8.8.8', 'dns_2=1.1.1.1', 'external_ip=77.87.125.200', 'interface_name=wg128', 'internal_traffic=1', 'listen_port=51990', 'name=Default_128', 'keep_alive=25', 'ikev2=1', `private_key=${K.d128.priv}`, `public_key=${K.d128.pub}`));
      const before = await desiredRevision(t, host.id);
      // The example's body, its key sent as curl -d sends it ('+' unencoded).
      const msg = await ok('put', 'wireguard/Default_128', form('internal_traffic=false', 'listen_port=51333', 'keep_alive=50', 'ikev2=0'));
      const expected = { address: '10.0.127.1/24', b_download: '6', b_upload: '7', dns_1: '8.8.8.8', dns_2: '1.1.1.1', external_ip: '77.87.125.200', ikev2: false, interface_name: 'wg128', internal_traffic: false, keep_alive: 50, listen_port: '51333', name: 'Default_128', private_key: K.d128.priv, public_key: K.d128.pub };
      expect(msg).toEqual(expected);
      expect(await desiredRevision(t, host.id)).toBe(before + 1);
      expect(await ok('get', 'wireguard/Default_128')).toEqual(expected);
      // A key pair can be replaced (sent unencoded, so its '+' arrives as a space).
      const replaced = await ok('put', 'wireguard/Default_128', `private_key=${K.d87.priv}&public_key=${K.d87.pub}`);
      expect(replaced).toMatchObject({ private_key: K.d87.priv, public_key: K.d87.pub });
      await ok('put', 'wireguard/Default_128', `private_key=${K.d128.priv}&public_key=${K.d128.pub}`);
    });

    it.each([
      ['Nope', form('keep_alive=1'), 'Wireguard server not found'],
      ['Default_128', form(`private_key=${K.d87.priv}`, `public_key=${K.d128.pub}`), 'Keys are invalid'],
      ['Default_128', form('interface_name=wg28'), 'Interface already in use'],
      ['Default_128', form('listen_port=51848'), 'Port already in use'],
      ['Default_128', form('external_ip=300.1.1.1'), 'Wrong external IP format'],
      ['Default_128', form('listen_port=70000'), 'Wrong Port format'],
      ['Default_128', form('address=10.0.26.1/24'), 'IP address or subnet already in use'],
      ['Default_128', form('dns_1=x'), 'Wrong DNS1 IP format'],
      ['Default_128', form('dns_2=1.1.1.1.1'), 'Wrong DNS2 IP format'],
    ])('refuses an edit of %s with %s: "%s"', async (name, body, text) => {
      await fails('put', `wireguard/${name}`, body, text);
    });

    it('answers "Wireguard server not found" for the detail of an unknown server', async () => {
      await fails('get', 'wireguard/Default_95', undefined, 'Wireguard server not found');
    });

    it('deletes a server, and answers "Wireguard server not found" after', async () => {
      await ok('post', 'wireguard', form('name=Default_90'));
      expect(await ok('delete', 'wireguard/Default_90')).toBe('success');
      await fails('delete', 'wireguard/Default_90', undefined, 'Wireguard server not found');
    });
  });

  describe('a server with accounts: peers, port forwards, rules, dump', () => {
    const p126 = { allowed_IPs: '10.0.124.2', b_download: '8', b_upload: '6', name: 'peer_126', password: 'K@6#2XR9$3', private_key: K.p126.priv, public_key: K.p126.pub, status: 'enable', username: 'user_127', wg_name: 'Default_125' };
    const p132 = { allowed_IPs: '10.0.124.3', b_download: '8', b_upload: '6', name: 'peer_132', password: '6K2W3@W4$7', private_key: K.p132.priv, public_key: K.p132.pub, status: 'enable', username: 'user_133', wg_name: 'Default_125' };

    beforeAll(async () => {
      await ok('post', 'wireguard', form('address=10.0.124.1/24', 'b_download=8', 'b_upload=6', 'external_ip=77.87.125.200', 'interface_name=wg125', 'listen_port=51945', 'name=Default_125'));
      // Form-encoded '#', '$' and '@' in the password (percent-encoded, as any form client sends them).
      const password = encodeURIComponent(p126.password);
      await ok('post', 'account', `wg_name=Default_125&name=peer_126&username=user_127&password=${password}&allowed_IPs=10.0.124.2&private_key=${K.p126.priv}&public_key=${K.p126.pub}`);
      await ok('post', 'account', { wg_name: 'Default_125', name: 'peer_132', username: 'user_133', password: p132.password, allowed_IPs: '10.0.124.3/32', private_key: K.p132.priv, public_key: K.p132.pub, b_download: '8', b_upload: 6 });
    });

    it('lists the server peers keyed by name, as the seed shows', async () => {
      const msg = await ok<Record<string, Record<string, unknown>>>('get', 'wireguard/Default_125/peers');
      expect(Object.keys(msg)).toEqual(['peer_126', 'peer_132']);
      expect(msg['peer_126']).toEqual({ ...p126, mangle: '2' });
      expect(msg['peer_132']).toEqual({ ...p132, mangle: '3' });
      for (const account of Object.values(msg)) expect(typesOf(account)).toEqual(ACCOUNT_TYPES);
      await fails('get', 'wireguard/Nope/peers', undefined, 'Wireguard server not found');
    });

    it('adds, lists and deletes port forwards as the seed shows', async () => {
      for (const [dst, proto, peer, to] of [['123', 'tcp', 'peer_126', '444'], ['123', 'udp', 'peer_132', '2223'], ['2222', 'tcp', 'peer_126', '22'], ['53', 'udp', 'peer_126', '53']]) {
        await ok('post', 'port_forward', form(`dst_port=${dst}`, `protocol=${proto}`, `to_peer=${peer}`, `to_port=${to}`));
      }
      const added = await ok('post', 'wireguard/Default_125/port_forwarding', form('dst_port=23', 'protocol=udp', 'to_peer=peer_126', 'to_port=325'));
      expect(added).toEqual({ dst_port: 23, protocol: 'udp', to_peer: 'peer_126', to_port: 325 });
      const list = await ok<Record<string, unknown>>('get', 'wireguard/Default_125/port_forward');
      expect(list).toEqual({
        '123_tcp': { dst_port: 123, protocol: 'tcp', to_peer: 'peer_126', to_port: 444 },
        '123_udp': { dst_port: 123, protocol: 'udp', to_peer: 'peer_132', to_port: 2223 },
        '2222_tcp': { dst_port: 2222, protocol: 'tcp', to_peer: 'peer_126', to_port: 22 },
        '53_udp': { dst_port: 53, protocol: 'udp', to_peer: 'peer_126', to_port: 53 },
        '23_udp': { dst_port: 23, protocol: 'udp', to_peer: 'peer_126', to_port: 325 },
      });
      for (const f of Object.values(list)) expect(typesOf(f)).toEqual(FORWARD_TYPES);
      expect(await ok('delete', 'wireguard/Default_125/port_forwarding/23/udp')).toBe('success');
      expect(await ok('delete', 'port_forward/53/udp')).toBe('success');
      expect(Object.keys(await ok<object>('get', 'wireguard/Default_125/port_forward')).sort()).toEqual(['123_tcp', '123_udp', '2222_tcp']);
      await fails('get', 'wireguard/Nope/port_forward', undefined, 'Wireguard server not found');
    });

    it.each([
      ['wireguard/Nope/port_forwarding', form('dst_port=24', 'protocol=udp', 'to_peer=peer_126', 'to_port=1'), 'Wireguard server not found'],
      ['port_forward', form('wg_name=Nope', 'dst_port=24', 'protocol=udp', 'to_peer=peer_126', 'to_port=1'), 'Wireguard server not found'],
      ['port_forward', form('dst_port=24', 'protocol=icmp', 'to_peer=peer_126', 'to_port=1'), 'Protocol must be tcp or udp'],
      ['port_forward', form('dst_port=0', 'protocol=udp', 'to_peer=peer_126', 'to_port=1'), 'DST port must be within 1-65535'],
      ['wireguard/Default_125/port_forwarding', form('dst_port=123', 'protocol=tcp', 'to_peer=peer_132', 'to_port=1'), 'DST port and protocol are already enabled'],
      ['wireguard/Default_125/port_forwarding', form('dst_port=51907', 'protocol=udp', 'to_peer=peer_126', 'to_port=1'), 'ListenPort processing error'],
      ['wireguard/Default_125/port_forwarding', form('dst_port=51945', 'protocol=udp', 'to_peer=peer_126', 'to_port=1'), 'DstPort cannot be ListenPort'],
      ['port_forward', form('dst_port=24', 'protocol=udp', 'to_peer=peer_126', 'to_port=65536'), 'To port must be within 1-65535'],
      ['port_forward', form('dst_port=24', 'protocol=udp', 'to_peer=nobody', 'to_port=1'), 'Entered incorrect peer'],
      ['wireguard/Default_28/port_forwarding', form('dst_port=24', 'protocol=udp', 'to_peer=peer_126', 'to_port=1'), 'Entered incorrect peer'],
    ])('refuses a port forward to %s (%s) with "%s"', async (path, body, text) => {
      const before = await countRows(t, 'port_forwards');
      await fails('post', path, body, text);
      expect(await countRows(t, 'port_forwards')).toBe(before);
    });

    it.each([
      ['wireguard/Nope/port_forwarding/123/tcp', 'Wireguard server not found'],
      ['wireguard/Default_125/port_forwarding/124/tcp', 'There is no such port forwarding'],
      ['port_forward/2222/udp', 'There is no such port forwarding'],
      ['port_forward/2222/sctp', 'Incorrect protocol parameter (tcp|udp)'],
      ['wireguard/Default_125/port_forwarding/abc/tcp', 'Incorrect dst_port parameter'],
      ['port_forward/70000/tcp', 'Incorrect dst_port parameter'],
    ])('refuses DELETE %s with "%s"', async (path, text) => {
      await fails('delete', path, undefined, text);
    });

    it('lists available addresses, without the server and its peers', async () => {
      const msg = await ok<string[]>('get', 'wireguard/Default_125/available_ips');
      expect(msg.slice(0, 3)).toEqual(['10.0.124.4', '10.0.124.5', '10.0.124.6']);
      expect(msg[msg.length - 1]).toBe('10.0.124.254');
      expect(msg).toHaveLength(251);
      expect(msg.every((ip) => typeof ip === 'string')).toBe(true);
      await fails('get', 'wireguard/Nope/available_ips', undefined, 'Wireguard server not found');
    });

    it('sets the server bandwidth on every peer (GET as in the example, and PUT)', async () => {
      await ok('put', 'account/peer_132', form('b_download=1', 'b_upload=2'));
      expect(await ok('get', 'account/peer_132')).toMatchObject({ b_download: '1', b_upload: '2' });
      expect(await call('get', 'wireguard/Default_125/set_bandwidth')).toEqual({ error: '', msg: '', status: 'success' });
      expect(await ok('get', 'account/peer_132')).toMatchObject({ b_download: '8', b_upload: '6' });
      expect(await ok('put', 'wireguard/Default_125/set_bandwidth')).toBe('');
      await fails('put', 'wireguard/Nope/set_bandwidth', undefined, 'Wireguard server not found');
      await fails('get', 'wireguard/Nope/set_bandwidth', undefined, 'Wireguard server not found');
    });

    it('shows no rules, classes or dump before the host reported any', async () => {
      expect(await ok('get', 'wireguard/Default_125/firewall_nat_rules')).toBe('');
      expect(await ok('get', 'wireguard/Default_125/firewall_filter_rules')).toBe('');
      expect(await ok('get', 'wireguard/Default_125/traffic_control')).toBe('');
      expect(await ok('get', 'wireguard/Default_125/dump')).toEqual({ port: '', public_key: '' });
    });

    it('renders the rules, tc statistics and dump the host reported', async () => {
      const server = await ok<{ public_key: string }>('get', 'wireguard/Default_125');
      // The agent's DataPlaneReport (the whole host) as its drivers produce it, stored per interface by the sync.
      const stored = await agentReports().dataplane(host.id, await desiredRevision(t, host.id), JSON.stringify({
        hostId: host.id,
        revision: 1,
        readAt: new Date().toISOString(),
        wireguard: { backend: 'wireguard-go', interfaces: [{ name: 'wg125', present: true, up: true, mtu: 1420, addresses: ['10.0.124.1/24'], publicKey: server.public_key, listenPort: 51945, peers: [] }] },
        nftables: {
          table: 'wgfleet',
          present: true,
          rules: [
            { chain: 'prerouting', comment: 'port forwards', packets: 9, bytes: 540 },
            { chain: 'postrouting', comment: 'port forwards: return path', packets: 9, bytes: 540 },
            { chain: 'postrouting', comment: 'wg125: nat', packets: 0, bytes: 0 },
            { chain: 'postrouting', comment: 'wg87: nat', packets: 5, bytes: 300 },
            { chain: 'forward', comment: 'wg125: internal traffic off', packets: 3, bytes: 252 },
          ],
          portForwards: [
            { protocol: 'tcp', port: 2222, peerAddress: '10.0.124.2', targetPort: 22, packets: 7, bytes: 420 },
            { protocol: 'udp', port: 5000, peerAddress: '10.0.86.9', targetPort: 5000, packets: 1, bytes: 60 },
          ],
          blockedPeers: [{ ifname: 'wg125', address: '10.0.124.3', packets: 2, bytes: 120 }],
        },
        others: {
          tc: {
            interfaces: [
              {
                interface: 'wg125',
                shards: { download: 1, upload: 1 },
                devices: [
                  {
                    device: 'wg125',
                    direction: 'download',
                    shard: 0,
                    error: null,
                    qdisc: { kind: 'htb', handle: '1:', bytes: 0, packets: 0, drops: 0, overlimits: 0, backlogBytes: 0 },
                    classes: [{ classid: '1:2', minor: 2, rateBits: 8_000_000, bytes: 1500, packets: 3, drops: 0, overlimits: 1, backlogBytes: 0, measuredRateBits: null, peerId: null }],
                  },
                ],
              },
            ],
          },
        },
      }));
      expect(stored).toBe(true);
      const nat = await ok('get', 'wireguard/Default_125/firewall_nat_rules');
      expect(nat).toBe('10.0.124.0/24 -> 0.0.0.0/0 SNAT to:77.87.125.200 Pkt:0 Bytes:0\n' + '0.0.0.0/0 -> 0.0.0.0/0 DNAT tcp dpt:2222 to:10.0.124.2:22 Pkt:7 Bytes:420\n');
      const filter = await ok('get', 'wireguard/Default_125/firewall_filter_rules');
      expect(filter).toBe('10.0.124.0/24 -> 10.0.124.0/24 DROP  Pkt:3 Bytes:252\n' + '10.0.124.3/32 -> 0.0.0.0/0 DROP suspended Pkt:2 Bytes:120\n');
      const tc = await ok('get', 'wireguard/Default_125/traffic_control');
      expect(tc).toBe(
        'qdisc htb 1: dev wg125 root\n Sent 0 bytes 0 pkt (dropped 0, overlimits 0) \n backlog 0b\n' +
          'class htb 1:2 dev wg125 rate 8Mbit\n Sent 1500 bytes 3 pkt (dropped 0, overlimits 1) \n backlog 0b\n',
      );
      expect(await ok('get', 'wireguard/Default_125/dump')).toEqual({ port: '51945', public_key: server.public_key });
      for (const call of ['firewall_nat_rules', 'firewall_filter_rules', 'traffic_control', 'dump']) await fails('get', `wireguard/Nope/${call}`, undefined, 'Wireguard server not found');
    });

    it('refuses to delete a server with peers', async () => {
      await fails('delete', 'wireguard/Default_125', undefined, 'Cannot be deleted. There are active peers.');
      expect(await ok('get', 'wireguard/Default_125')).toMatchObject({ name: 'Default_125' });
    });
  });

  describe('accounts', () => {
    it('creates an account with unique values for what is omitted, and reads it back', async () => {
      const created = await ok<Record<string, string>>('post', 'account', form('wg_name=Default_87', 'allowed_IPs=10.0.86.2'));
      expect(typesOf(created)).toEqual(ACCOUNT_TYPES);
      expect(created).toMatchObject({ allowed_IPs: '10.0.86.2', b_download: '11', b_upload: '22', mangle: '2', status: 'enable', wg_name: 'Default_87' });
      expect(created['name']).toMatch(/^peer_\d+$/);
      expect(created['username']).toMatch(/^user_\d+$/);
      expect(created['password']).toHaveLength(10);
      expect(await ok('get', `account/${created['name']}`)).toEqual(created);
      const all = await ok<Record<string, unknown>>('get', 'account');
      expect(all[created['name'] as string]).toEqual(created);
      expect(Object.keys(all)).toEqual(expect.arrayContaining(['peer_126', 'peer_132']));
      // The password is sealed at rest, never stored as given.
      const [row] = await queryDb<{ metadata: Record<string, string> }>(t.databaseUrl, `SELECT metadata FROM peers WHERE name = $1`, [created['name']]);
      expect(JSON.stringify(row?.metadata)).not.toContain(created['password']);
    });

    it.each([
      [form('allowed_IPs=10.0.86.3'), 'Wireguard server not valid'],
      [form('wg_name=Nope', 'allowed_IPs=10.0.86.3'), 'Wireguard server not valid'],
      [form('wg_name=Default_87', 'allowed_IPs=10.0.86'), 'Wrong IP format'],
      [form('wg_name=Default_87', 'allowed_IPs=10.0.86.3', 'allowed_IPs_ipv6=fd00::zz'), 'Wrong IP format'],
      [form('wg_name=Default_87', 'allowed_IPs=10.0.86.2'), 'IP address already in use'],
      [form('wg_name=Default_87', 'allowed_IPs=10.0.86.1'), 'IP address already in use'],
      [form('wg_name=Default_87', 'allowed_IPs=10.0.99.3'), 'The IP address is not within the range of the wireguard server'],
      [form('wg_name=Default_87', 'allowed_IPs=10.0.86.3', 'name=peer_126'), 'The name is already in use'],
      [form('wg_name=Default_87', 'allowed_IPs=10.0.86.3', 'username=user_127'), 'The username is already in use'],
      [form('wg_name=Default_87', 'allowed_IPs=10.0.86.3', `private_key=${K.p126.priv}`, `public_key=${K.p132.pub}`), 'Keys are invalid'],
      [form('wg_name=Default_125', 'allowed_IPs=10.0.124.9', `public_key=${K.p126.pub}`), 'Keys are invalid'],
    ])('refuses %s with "%s"', async (body, text) => {
      const before = await countRows(t, 'peers');
      await fails('post', 'account', body, text);
      expect(await countRows(t, 'peers')).toBe(before);
    });

    it('edits status, password, addresses and bandwidth', async () => {
      const msg = await ok('put', 'account/peer_132', form('status=disable', 'password=n3w-Secret', 'allowed_IPs=10.0.124.20', 'allowed_IPs_ipv6=fd00::20', 'b_download=100', 'b_upload=50'));
      expect(msg).toMatchObject({ status: 'disable', password: 'n3w-Secret', allowed_IPs: '10.0.124.20', mangle: '20', b_download: '100', b_upload: '50', username: 'user_133' });
      const [peer] = await queryDb<{ extra_allowed_ips: string[]; download_kbit: number; suspended_reason: string }>(t.databaseUrl, `SELECT extra_allowed_ips, download_kbit, suspended_reason FROM peers WHERE name = 'peer_132'`);
      expect(peer).toEqual({ extra_allowed_ips: ['fd00::20/128'], download_kbit: 100_000, suspended_reason: 'disabled' });
      expect(await ok('put', 'account/peer_132', form('status=enable', 'allowed_IPs=10.0.124.3'))).toMatchObject({ status: 'enable', allowed_IPs: '10.0.124.3' });
      await fails('put', 'account/nobody', form('status=enable'), 'Account not found');
      await fails('put', 'account/peer_132', form('allowed_IPs=10.0.124.2'), 'IP address already in use');
      await fails('put', 'account/peer_132', form('allowed_IPs=10.9.9.9'), 'The IP address is not within the range of the wireguard server');
      await fails('put', 'account/peer_132', form('allowed_IPs=ten'), 'Wrong IP format');
    });

    it('gives the config as text and as a base64 PNG QR code', async () => {
      const text = await ok<string>('get', 'account/peer_126/config_text');
      expect(text).toContain(`PrivateKey = ${K.p126.priv}`);
      expect(text).toContain('Address = 10.0.124.2/24');
      expect(text).toContain('Endpoint = 77.87.125.200:51945');
      const qr = await ok<string>('get', 'account/peer_126/config_qr');
      expect(Buffer.from(qr, 'base64').subarray(1, 4).toString()).toBe('PNG');
      await fails('get', 'account/nobody/config_text', undefined, 'Account not found');
      await fails('get', 'account/nobody/config_qr', undefined, 'Account not found');
      await fails('get', 'account/nobody', undefined, 'Account not found');
    });

    it('lists online accounts from the reported handshakes and counters', async () => {
      expect(await ok('get', 'wireguard/online')).toEqual({});
      // The agent's peer counters, as its stats messages bring them.
      const handshake = Math.floor(Date.now() / 1000) - 30;
      await agentReports().stats(host.id, [
        { peerId: await peerId('peer_132'), rxBytes: 10, txBytes: 20, latestHandshakeUnix: Date.parse('2026-01-02T03:04:05Z') / 1000, endpoint: '198.51.100.8:1' },
        { peerId: await peerId('peer_126'), rxBytes: 1000, txBytes: 2000, latestHandshakeUnix: handshake, endpoint: '198.51.100.7:40000' },
      ]);
      const online = await ok<Record<string, unknown>>('get', 'wireguard/online');
      expect(online).toEqual({
        peer_126: {
          allowed_IPs: '10.0.124.2',
          b_download: '8',
          b_upload: '6',
          endpoint: '198.51.100.7:40000',
          latest_handshake: new Date(handshake * 1000).toISOString().slice(0, 19).replace('T', ' '),
          name: 'peer_126',
          status: 'enable',
          transfer_rx: '1000',
          transfer_tx: '2000',
          username: 'user_127',
          wg_name: 'Default_125',
        },
      });
    });

    it('reports system status', async () => {
      const msg = await ok<Record<string, number>>('get', 'system/status');
      expect(msg).toEqual({
        count_accounts: await countRows(t, 'peers'),
        count_wireguard: await countRows(t, 'interfaces'),
        count_online: 1,
        count_hosts: 1,
        ip_capacity: expect.any(Number),
        ip_free: expect.any(Number),
      });
      expect(msg['ip_capacity']! - msg['ip_free']!).toBe(msg['count_accounts']);
    });

    it('reports the WireGuard versions the default host reported', async () => {
      expect(await ok('get', 'wireguard/info')).toEqual({ wireguard: '', 'wireguard-dkms': '', 'wireguard-tools': '' });
      // Facts as the agent's hello brings them.
      await agentReports().hello(host.id, { kernel: '6.1.0-18-amd64', wireguardImplementation: 'kernel', wireguardVersion: '1.0.0', wireguardToolsVersion: '1.0.20210914', nftablesVersion: '1.0.6' }, '0.1.0');
      expect(await ok('get', 'wireguard/info')).toEqual({ wireguard: '1.0.0 (kernel)', 'wireguard-dkms': '', 'wireguard-tools': '1.0.20210914' });
    });

    it('deletes an account, its port forwards with it', async () => {
      await ok('post', 'account', form('wg_name=Default_97', 'name=temp_1', 'allowed_IPs=10.0.96.5'));
      await ok('post', 'port_forward', form('dst_port=7000', 'protocol=tcp', 'to_peer=temp_1', 'to_port=70'));
      expect(await ok('delete', 'account/temp_1')).toBe('success');
      await fails('delete', 'account/temp_1', undefined, 'Account not found');
      expect(await countRows(t, 'port_forwards', 'port = 7000')).toBe(0);
    });
  });

  describe('one model under both surfaces', () => {
    it('shows a PUQ account through /api/v1/peers, and native edits through PUQ', async () => {
      const revision = await desiredRevision(t, host.id);
      const account = await ok<Record<string, string>>('post', 'account', form('wg_name=Default_97', 'name=shared_1', 'allowed_IPs=10.0.96.7', 'b_download=3', 'b_upload=4'));
      expect(await desiredRevision(t, host.id)).toBe(revision + 1);
      const page = (await t.http().get(api('/peers')).query({ q: 'shared_1' }).set(t.auth()).expect(200)).body as { items: PeerBody[] };
      expect(page.items).toHaveLength(1);
      const peer = page.items[0]!;
      expect(peer).toMatchObject({ name: 'shared_1', address: '10.0.96.7', publicKey: account['public_key'], hasPrivateKey: true, bandwidth: { downloadKbit: 3000, uploadKbit: 4000 }, enabled: true });
      expect(peer.metadata).toMatchObject({ puqUsername: account['username'] });

      await t.http().patch(api(`/peers/${peer.id}`)).set(t.auth()).send({ enabled: false, bandwidth: { downloadKbit: 1500, uploadKbit: 500 } }).expect(200);
      expect(await ok('get', 'account/shared_1')).toMatchObject({ status: 'disable', b_download: '1.5', b_upload: '0.5', password: account['password'] });
      expect(await ok('put', 'account/shared_1', form('status=enable'))).toMatchObject({ status: 'enable' });
      expect(((await t.http().get(api(`/peers/${peer.id}`)).set(t.auth())).body as PeerBody).enabled).toBe(true);
      expect(await desiredRevision(t, host.id)).toBe(revision + 3);

      const audit = await queryDb<{ action: string; actor_name: string }>(t.databaseUrl, `SELECT action, actor_name FROM audit_events WHERE resource_id = $1 ORDER BY created_at`, [peer.id]);
      expect(audit.map((a) => a.action)).toEqual(['peer.create', 'peer.update', 'peer.update']);
      expect(new Set(audit.map((a) => a.actor_name)).size).toBe(1);
    });

    it('shows native peers and interfaces through PUQ and edits them there', async () => {
      const iface = await createInterface(t, { name: 'wg40', address: '10.0.40.1/24', listenPort: 51840 });
      const native = await createPeer(t, iface.id, { name: 'native_1', address: '10.0.40.9' });
      // Made without a display name: PUQ names it by its kernel name.
      expect(await ok('get', 'wireguard/wg40')).toMatchObject({ name: 'wg40', interface_name: 'wg40', address: '10.0.40.1/24' });
      expect(await ok('get', 'account/native_1')).toMatchObject({ name: 'native_1', wg_name: 'wg40', allowed_IPs: '10.0.40.9', username: '', password: '' });
      await ok('put', 'account/native_1', form('allowed_IPs=10.0.40.10', 'password=set-later'));
      const after = (await t.http().get(api(`/peers/${native.id}`)).set(t.auth())).body as PeerBody;
      expect(after.address).toBe('10.0.40.10');
      expect(await ok('get', 'account/native_1')).toMatchObject({ password: 'set-later' });
      // Native conflicts are the same conflicts through PUQ.
      await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ address: '10.0.40.10' }).expect(409);
      await fails('post', 'account', form('wg_name=wg40', 'allowed_IPs=10.0.40.10'), 'IP address already in use');
    });
  });

  describe('review fixes: secrets, cross-site requests, concurrent changes', () => {
    /** PUQ's own read of an account, wrapped so `meanwhile` runs after it (a concurrent native change, deterministically placed). */
    function nativeChangeAfterAccountRead(meanwhile: () => Promise<unknown>): jest.SpyInstance {
      const directory = t.app.get(PuqDirectory, { strict: false });
      const read = directory.account.bind(directory);
      return jest.spyOn(directory, 'account').mockImplementationOnce(async (name) => {
        const peer = await read(name);
        await meanwhile();
        return peer;
      });
    }

    afterEach(() => jest.restoreAllMocks());

    it('lets only one of two creates racing for an account name or username through, across servers', async () => {
      await ok('post', 'wireguard', form('name=Race_A', 'address=10.0.200.1/24', 'listen_port=52200'));
      await ok('post', 'wireguard', form('name=Race_B', 'address=10.0.201.1/24', 'listen_port=52201'));
      // Both requests pass the quick check before the write, as two racing requests would.
      const directory = t.app.get(PuqDirectory, { strict: false });
      const nameTaken = directory.accountNameTaken.bind(directory);
      const usernameTaken = directory.usernameTaken.bind(directory);
      jest.spyOn(directory, 'accountNameTaken').mockImplementation(async (name, manager) => (manager ? nameTaken(name, manager) : false));
      jest.spyOn(directory, 'usernameTaken').mockImplementation(async (username, manager) => (manager ? usernameTaken(username, manager) : false));

      await ok('post', 'account', form('wg_name=Race_A', 'name=dup_1', 'username=dupuser_1', 'allowed_IPs=10.0.200.2'));
      await fails('post', 'account', form('wg_name=Race_B', 'name=dup_1', 'username=dupuser_2', 'allowed_IPs=10.0.201.2'), 'The name is already in use');
      await fails('post', 'account', form('wg_name=Race_B', 'name=dup_2', 'username=dupuser_1', 'allowed_IPs=10.0.201.2'), 'The username is already in use');
      // Truly concurrent creates of one name: exactly one wins.
      const racing = await Promise.all(['Race_A', 'Race_B', 'Race_A', 'Race_B'].map((server, i) => call('post', 'account', form(`wg_name=${server}`, 'name=dup_3', `username=dupuser_3_${i}`, `allowed_IPs=10.0.${server === 'Race_A' ? 200 : 201}.${10 + i}`))));
      expect(racing.filter((r) => r.status === 'success')).toHaveLength(1);
      expect(racing.filter((r) => r.error === 'The name is already in use')).toHaveLength(3);
      expect(await countRows(t, 'peers', 'name = $1', ['dup_3'])).toBe(1);
    });

    it('shows interface private keys only to keys that may write', async () => {
      const readonly = await createApiKey(t, { role: 'readonly' });
      const operator = await createApiKey(t, { role: 'operator' });
      const list = (await call('get', 'wireguard', undefined, `access_hash=${readonly.key}`)).msg as Record<string, { private_key: string; public_key: string }>;
      expect(Object.keys(list).length).toBeGreaterThan(0);
      for (const server of Object.values(list)) expect(server).toMatchObject({ private_key: '', public_key: expect.any(String) });
      expect(await call('get', 'wireguard/Default_28', undefined, `access_hash=${readonly.key}`)).toMatchObject({ status: 'success', msg: { private_key: '', public_key: K.d28.pub } });
      expect(await call('get', 'wireguard/Default_28', undefined, `access_hash=${operator.key}`)).toMatchObject({ status: 'success', msg: { private_key: K.d28.priv } });
      expect(((await call('get', 'wireguard', undefined, `access_hash=${operator.key}`)).msg as Record<string, { private_key: string }>)['Default_28']?.private_key).toBe(K.d28.priv);
    });

    it('refuses the access_hash cookie on cross-site requests, and takes it from server-side clients', async () => {
      await ok('post', 'account', form('wg_name=Default_87', 'name=csrf_1', 'allowed_IPs=10.0.86.40', 'b_download=1', 'b_upload=1'));
      const before = await desiredRevision(t, host.id);
      const setBandwidth = (headers: Record<string, string>, credential: Record<string, string> = { Cookie: `access_hash=${t.adminKey}` }) =>
        t.http().get('/api/v1/wireguard/Default_87/set_bandwidth').set({ ...credential, ...headers });
      const crossSite: Array<Record<string, string>> = [{ 'Sec-Fetch-Site': 'cross-site' }, { 'Sec-Fetch-Site': 'same-site' }, { Origin: 'https://panel.example' }, { Origin: 'null' }];
      for (const headers of crossSite) {
        const res = await setBandwidth(headers);
        expect({ headers, status: res.status, body: res.body as unknown }).toEqual({ headers, status: 200, body: { error: 'Not authorized', msg: '', status: 'error' } });
      }
      // Nothing changed.
      expect(await desiredRevision(t, host.id)).toBe(before);
      expect(await ok('get', 'account/csrf_1')).toMatchObject({ b_download: '1', b_upload: '1' });
      // Clients that send neither header (curl, PHP, WHMCS) work, and so do same-origin requests.
      expect((await setBandwidth({})).body).toEqual({ error: '', msg: '', status: 'success' });
      expect(await ok('get', 'account/csrf_1')).toMatchObject({ b_download: '11', b_upload: '22' });
      await ok('put', 'account/csrf_1', form('b_download=1', 'b_upload=1'));
      const own = await setBandwidth({ Host: 'vpn.example:8080', Origin: 'https://vpn.example:8080', 'Sec-Fetch-Site': 'same-origin' });
      expect(own.body).toEqual({ error: '', msg: '', status: 'success' });
      expect(await ok('get', 'account/csrf_1')).toMatchObject({ b_download: '11', b_upload: '22' });
      // A bearer header is no ambient credential: a cross-site page cannot send it.
      expect((await setBandwidth({ 'Sec-Fetch-Site': 'cross-site' }, t.auth())).body).toMatchObject({ status: 'success' });
    });

    it('answers "Wireguard server not found" when the server is deleted while a call uses it', async () => {
      await ok('post', 'wireguard', form('name=Vanishing', 'address=10.0.150.1/24'));
      await ok('post', 'account', form('wg_name=Vanishing', 'name=vanishing_1', 'allowed_IPs=10.0.150.2'));
      const server = (await queryDb<{ id: string }>(t.databaseUrl, `SELECT id FROM interfaces WHERE display_name = 'Vanishing'`))[0]!;
      // The server (and with it the account) goes natively between PUQ's lookup of the account and its use of the account's server.
      nativeChangeAfterAccountRead(() => t.http().delete(api(`/interfaces/${server.id}`)).query({ force: 'true' }).set(t.auth()).expect(200));
      await fails('post', 'port_forward', form('dst_port=7100', 'protocol=tcp', 'to_peer=vanishing_1', 'to_port=71'), 'Wireguard server not found');
      expect(await countRows(t, 'interfaces', `display_name = 'Vanishing'`)).toBe(0);
    });

    it('keeps a native edit made while a PUQ account edit was under way', async () => {
      const account = await ok<Record<string, string>>('post', 'account', form('wg_name=Default_87', 'name=race_1', 'allowed_IPs=10.0.86.41', 'password=old-secret', 'b_download=4', 'b_upload=4'));
      const id = await peerId('race_1');
      const native = (await t.http().get(api(`/peers/${id}`)).set(t.auth()).expect(200)).body as PeerBody;
      // A native client's read-modify-write of metadata, its bandwidth and routes, landing after PUQ read the account.
      nativeChangeAfterAccountRead(() =>
        t
          .http()
          .patch(api(`/peers/${id}`))
          .set(t.auth())
          .send({ metadata: { ...native.metadata, panelNote: 'keep me' }, bandwidth: { downloadKbit: 4000, uploadKbit: 9000 }, allowedIps: ['192.0.2.0/28'] })
          .expect(200),
      );
      const edited = await ok<Record<string, string>>('put', 'account/race_1', form('password=new-secret', 'b_download=5', 'allowed_IPs_ipv6=fd00::41'));
      expect(edited).toMatchObject({ password: 'new-secret', b_download: '5', b_upload: '9', username: account['username'] });
      const after = (await t.http().get(api(`/peers/${id}`)).set(t.auth()).expect(200)).body as PeerBody;
      expect(after.metadata).toMatchObject({ panelNote: 'keep me', puqUsername: account['username'] });
      expect(after.bandwidth).toEqual({ downloadKbit: 5000, uploadKbit: 9000 });
      expect(after.allowedIps).toEqual(['10.0.86.41/32', '192.0.2.0/28', 'fd00::41/128']);
      // An IPv6 address in any spelling is stored as the host will print it.
      await ok('put', 'account/race_1', form('allowed_IPs_ipv6=FD00:0:0::0041'));
      expect(((await t.http().get(api(`/peers/${id}`)).set(t.auth()).expect(200)).body as PeerBody).allowedIps).toEqual(['10.0.86.41/32', '192.0.2.0/28', 'fd00::41/128']);
    });
  });

  describe('auth, envelope and rate limits', () => {
    const CALLS: Array<[Method, string]> = [
      ['get', 'wireguard/info'],
      ['get', 'wireguard'],
      ['post', 'wireguard'],
      ['put', 'wireguard/Default_28'],
      ['delete', 'wireguard/Default_28'],
      ['get', 'wireguard/Default_28'],
      ['get', 'wireguard/Default_28/peers'],
      ['get', 'wireguard/Default_28/port_forward'],
      ['post', 'wireguard/Default_28/port_forwarding'],
      ['post', 'port_forward'],
      ['delete', 'wireguard/Default_28/port_forwarding/23/udp'],
      ['delete', 'port_forward/23/udp'],
      ['get', 'wireguard/Default_28/firewall_nat_rules'],
      ['get', 'wireguard/Default_28/firewall_filter_rules'],
      ['get', 'wireguard/Default_28/traffic_control'],
      ['get', 'wireguard/Default_28/dump'],
      ['get', 'wireguard/Default_28/available_ips'],
      ['put', 'wireguard/Default_28/set_bandwidth'],
      ['get', 'wireguard/Default_28/set_bandwidth'],
      ['get', 'wireguard/online'],
      ['get', 'account'],
      ['post', 'account'],
      ['get', 'account/peer_126'],
      ['put', 'account/peer_126'],
      ['delete', 'account/peer_126'],
      ['get', 'account/peer_126/config_text'],
      ['get', 'account/peer_126/config_qr'],
      ['get', 'system/status'],
    ];

    it.each(CALLS)('answers "Not authorized" to %s %s without a valid access_hash', async (method, path) => {
      await fails(method, path, undefined, 'Not authorized', null);
      await fails(method, path, undefined, 'Not authorized', 'access_hash=wgf_0123456789abcdef_notthesecret');
      await fails(method, path, undefined, 'Not authorized', 'other=1');
    });

    it('honours the key role and allowed source addresses', async () => {
      const readonly = await createApiKey(t, { role: 'readonly' });
      expect(await call('get', 'wireguard/Default_28', undefined, `access_hash=${readonly.key}`)).toMatchObject({ status: 'success' });
      await fails('put', 'wireguard/Default_28/set_bandwidth', undefined, 'Not authorized', `access_hash=${readonly.key}`);
      await fails('get', 'wireguard/Default_28/set_bandwidth', undefined, 'Not authorized', `access_hash=${readonly.key}`);
      await fails('post', 'account', form('wg_name=Default_28'), 'Not authorized', `access_hash=${readonly.key}`);
      const elsewhere = await createApiKey(t, { role: 'admin', allowedCidrs: ['203.0.113.0/24'] });
      await fails('get', 'wireguard', undefined, 'Not authorized', `access_hash=${elsewhere.key}`);
      const here = await createApiKey(t, { role: 'operator', allowedCidrs: ['127.0.0.0/8', '::1/128'] });
      expect(await call('get', 'wireguard', undefined, `access_hash=${here.key}; theme=dark`)).toMatchObject({ status: 'success' });
    });

    it('answers malformed bodies and unknown calls with the envelope', async () => {
      const malformed = await t.http().post('/api/v1/wireguard').set('Cookie', `access_hash=${t.adminKey}`).set('Content-Type', 'application/json').send('{"name": ');
      expect({ status: malformed.status, body: malformed.body as unknown }).toEqual({ status: 200, body: { error: expect.stringMatching(/^The request body is not valid JSON/), msg: '', status: 'error' } });
      const plain = await t.http().post('/api/v1/account').set('Cookie', `access_hash=${t.adminKey}`).set('Content-Type', 'text/plain').send('wg_name=x');
      expect({ status: plain.status, status_: (plain.body as Envelope).status }).toEqual({ status: 200, status_: 'error' });
      await fails('get', 'wireguard/Default_28/nothing_here', undefined, 'Unknown API call');
      await fails('post', 'system/reboot', form('now=1'), 'Unknown API call');
      // A client's bad percent-encoding is its error, not an internal one.
      await fails('get', 'account/%ZZ', undefined, 'The request path could not be read');
      await fails('get', 'account/%ZZ', undefined, 'The request path could not be read', null);
      // Native routes keep their own error bodies.
      expect((await t.http().get(api('/peers/not-an-id')).set(t.auth())).status).toBe(404);
    });

    it('rate limits like the native API, in the envelope with Retry-After', async () => {
      const limited = await startTestApp({ WGFLEET_RATE_LIMIT: '2' }, { shareWith: t });
      try {
        const key = await createApiKey(t, { role: 'admin' });
        const get = () => limited.http().get('/api/v1/wireguard/info').set('Cookie', `access_hash=${key.key}`);
        expect(((await get()).body as Envelope).status).toBe('success');
        expect(((await get()).body as Envelope).status).toBe('success');
        const third = await get();
        expect(third.status).toBe(200);
        expect(third.headers['retry-after']).toMatch(/^\d+$/);
        expect(third.body).toEqual({ error: expect.stringMatching(/^Too many requests/), msg: '', status: 'error' });
      } finally {
        await limited.close();
      }
    });
  });
});

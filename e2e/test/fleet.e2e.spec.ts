import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  NetnsLab,
  removeStaleLabs,
  sleep,
  startControllerProcess,
  startWhoamiServer,
  whoami,
  type ControllerProcess,
  type Netns,
  type WireguardClient,
} from '@wgfleet/testing';
import { connectCustomer, createVpnHost, enrollAndStart, hostView, tcClasses, waitInSync, type VpnHost } from '../src/vpn-lab';

// The whole product, black-box: a controller process, two VPN hosts each run by a real agent
// process, customers' devices using the config files the API serves, and an "internet".
//
//   alice (198.18.21.2) ─┐                                ┌─ internet 198.18.10.2 / 198.18.11.2
//   bob   (198.18.22.2) ─┴─ host A, public 198.18.10.1 ───┤
//   carol (198.18.31.2) ─── host B, public 198.18.11.1 ───┘
//
// The agents run in the root namespace and talk to the controller over loopback; their
// data-plane commands run inside the hosts' namespaces (--netns). Tunnel subnets are
// 100.64.60.0/24 (A) and 100.64.61.0/24 (B). Nothing leaves these namespaces.

jest.setTimeout(180_000);

const A_PUBLIC = '198.18.10.1';
const B_PUBLIC = '198.18.11.1';
const INTERNET_A = '198.18.10.2';
const INTERNET_B = '198.18.11.2';
const WHOAMI_PORT = 7000;
const LIMIT_KBIT = 8000;

interface Host extends VpnHost {
  enrollmentToken: string;
  iface: { id: string; name: string };
}

interface Customer {
  id: string;
  publicKey: string;
  ns: Netns;
  client: WireguardClient & { address: string };
}

describe('a fleet of two VPN hosts driven through the REST API', () => {
  const lab = new NetnsLab();
  let controller: ControllerProcess;
  let internet: Netns;
  const hosts: Record<'a' | 'b', Host> = {} as Record<'a' | 'b', Host>;
  const customers: Record<'alice' | 'bob' | 'carol', Customer> = {} as Record<'alice' | 'bob' | 'carol', Customer>;

  /** A write that must be live on its host before the test goes on. */
  const applied = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const sep = path.includes('?') ? '&' : '?';
    const res = await controller.request(method, `${path}${sep}wait=applied&timeout=30s`, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    const out = res.body as Record<string, unknown>;
    if (out.applied !== true) throw new Error(`${method} ${path} was not applied in time: ${res.text}\nagent A: ${hosts.a?.agent.log}\nagent B: ${hosts.b?.agent.log}`);
    return out;
  };
  const get = async <T>(path: string): Promise<T> => {
    const res = await controller.request('GET', path);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
    return res.body as T;
  };
  beforeAll(async () => {
    await removeStaleLabs();
    controller = await startControllerProcess({ env: { WGFLEET_RATE_LIMIT: '100000' } });
    internet = await lab.namespace('net');
    await startWhoamiServer(lab, internet, '0.0.0.0', WHOAMI_PORT);
    hosts.a = { ...(await createVpnHost(controller, lab, { label: 'ha', internet, publicAddress: A_PUBLIC, isDefault: true })), iface: { id: '', name: '' } };
    hosts.b = { ...(await createVpnHost(controller, lab, { label: 'hb', internet, publicAddress: B_PUBLIC })), iface: { id: '', name: '' } };
  });

  afterAll(async () => {
    for (const h of Object.values(hosts)) await h.agent.remove();
    await lab.cleanup();
    await controller?.stop();
  });

  it('enrolls an agent per host with its one-time token; the hosts come online with their facts', async () => {
    for (const h of Object.values(hosts)) await enrollAndStart(controller, h, h.enrollmentToken);
    for (const h of Object.values(hosts)) {
      await waitInSync(controller, h);
      const view = await hostView(controller, h);
      expect(view).toMatchObject({ status: 'online', lastError: null });
      expect(view.facts).toMatchObject({ wireguardImplementation: expect.any(String), kernel: expect.any(String) });
    }
  });

  it('refuses a used token and an expired one', async () => {
    const reuse = await hosts.a.agent.enroll(controller.grpcAddress, hosts.a.enrollmentToken, join(hosts.a.agent.dir, 'again'));
    expect(reuse.code).not.toBe(0);

    const issued = await controller.request('POST', `/api/v1/hosts/${hosts.b.id}/enrollment-tokens`, {});
    expect(issued.status).toBe(201);
    await controller.sql(`UPDATE enrollment_tokens SET expires_at = now() - interval '1 minute' WHERE host_id = $1 AND used_at IS NULL`, [hosts.b.id]);
    const expired = await hosts.b.agent.enroll(controller.grpcAddress, (issued.body as { token: string }).token, join(hosts.b.agent.dir, 'again'));
    expect(expired.code).not.toBe(0);
    // Neither attempt disturbed the enrolled agents.
    for (const h of Object.values(hosts)) expect((await hostView(controller, h)).status).toBe('online');
  });

  it('builds interfaces, peers and a port forward through the API, and the clients connect with the served configs', async () => {
    for (const [key, address] of [['a', '100.64.60.1/24'], ['b', '100.64.61.1/24']] as const) {
      const name = lab.wgName(`w${key}`);
      const iface = await applied('POST', '/api/v1/interfaces', { hostId: hosts[key].id, name, address, listenPort: 51820, internalTraffic: false });
      hosts[key].iface = { id: iface.id as string, name };
    }
    const peers: Array<['alice' | 'bob' | 'carol', 'a' | 'b', string, Record<string, unknown>]> = [
      ['alice', 'a', '198.18.21', { bandwidth: { downloadKbit: LIMIT_KBIT, uploadKbit: LIMIT_KBIT } }],
      ['bob', 'a', '198.18.22', { bandwidth: { downloadKbit: 20_000, uploadKbit: 20_000 } }],
      ['carol', 'b', '198.18.31', {}],
    ];
    for (const [name, key, underlay, extra] of peers) {
      const host = hosts[key];
      const peer = await applied('POST', `/api/v1/interfaces/${host.iface.id}/peers`, { name, ...extra });
      const config = await controller.request('GET', `/api/v1/peers/${peer.id as string}/config`);
      expect(config.status).toBe(200);
      customers[name] = { id: peer.id as string, publicKey: peer.publicKey as string, ...(await connectCustomer(lab, host, name, underlay, config.text)) };
    }
    await applied('POST', `/api/v1/interfaces/${hosts.a.iface.id}/port-forwards`, { protocol: 'tcp', port: 8080, peerId: customers.alice.id, targetPort: 80 });
    // bob's forward is what puts him into the nftables maps, for the delete test.
    await applied('POST', `/api/v1/interfaces/${hosts.a.iface.id}/port-forwards`, { protocol: 'udp', port: 8081, peerId: customers.bob.id, targetPort: 81 });
  });

  it('carries each client to its host through the tunnel', async () => {
    expect(await customers.alice.ns.ping('100.64.60.1')).toBe(true);
    expect(await customers.bob.ns.ping('100.64.60.1')).toBe(true);
    expect(await customers.carol.ns.ping('100.64.61.1')).toBe(true);
  });

  it('sends clients to the internet behind their host’s public address', async () => {
    expect(await whoami(customers.alice.ns, INTERNET_A, WHOAMI_PORT)).toBe(A_PUBLIC);
    expect(await whoami(customers.carol.ns, INTERNET_B, WHOAMI_PORT)).toBe(B_PUBLIC);
  });

  it('forwards a public port of the host to a TCP server on the client', async () => {
    await startWhoamiServer(lab, customers.alice.ns, '0.0.0.0', 80);
    // The client sees the host's tunnel address (return-path masquerade), so its replies use the
    // tunnel even when its own default route does not.
    expect(await whoami(internet, A_PUBLIC, 8080)).toBe('100.64.60.1');
  });

  it('keeps clients of one interface apart until internal traffic is switched on', async () => {
    expect(await customers.alice.ns.ping(customers.bob.client.address, { count: 2, deadlineS: 2 })).toBe(false);
    await applied('PATCH', `/api/v1/interfaces/${hosts.a.iface.id}`, { internalTraffic: true });
    expect(await customers.alice.ns.ping(customers.bob.client.address)).toBe(true);
    await applied('PATCH', `/api/v1/interfaces/${hosts.a.iface.id}`, { internalTraffic: false });
    expect(await customers.alice.ns.ping(customers.bob.client.address, { count: 2, deadlineS: 2 })).toBe(false);
  });

  it('stops a suspended peer’s traffic and restores it on resume', async () => {
    await applied('POST', `/api/v1/peers/${customers.alice.id}/suspend`, { reason: 'unpaid invoice' });
    expect(await customers.alice.ns.ping('100.64.60.1', { count: 2, deadlineS: 2 })).toBe(false);
    expect(await whoami(customers.alice.ns, INTERNET_A, WHOAMI_PORT)).toBeNull();
    expect(await customers.bob.ns.ping('100.64.60.1')).toBe(true);
    await applied('POST', `/api/v1/peers/${customers.alice.id}/resume`);
    expect(await customers.alice.ns.ping('100.64.60.1')).toBe(true);
  });

  it('shapes a peer to its bandwidth limit within ±20% in both directions', async () => {
    const port = String(20_000 + (randomBytes(2).readUInt16BE() % 20_000));
    lab.spawn(hosts.a.ns, 'iperf3', ['-s', '-B', '100.64.60.1', '-p', port]);
    await sleep(500);
    const measure = async (reverse: boolean): Promise<number> => {
      const args = ['-c', '100.64.60.1', '-p', port, '-t', '4', '-O', '1', '-J', ...(reverse ? ['-R'] : [])];
      const out = JSON.parse((await customers.alice.ns.exec('iperf3', args, { timeoutMs: 30_000 })).stdout) as { end: { sum_received: { bits_per_second: number } } };
      return out.end.sum_received.bits_per_second;
    };
    for (const [direction, reverse] of [['upload', false], ['download', true]] as const) {
      const ratio = (await measure(reverse)) / (LIMIT_KBIT * 1000);
      console.log(`${direction}: ${(ratio * LIMIT_KBIT / 1000).toFixed(2)} Mbit/s for a ${LIMIT_KBIT / 1000} Mbit/s limit (${(ratio * 100).toFixed(0)}%)`);
      expect(ratio).toBeGreaterThan(0.8);
      expect(ratio).toBeLessThan(1.2);
    }
  });

  it('shows what the host really runs, with counters', async () => {
    const plane = await get<Record<string, unknown>>(`/api/v1/interfaces/${hosts.a.iface.id}/dataplane`);
    expect(JSON.stringify(plane)).toContain(customers.alice.publicKey);
  });

  it('removes a deleted peer from WireGuard, nftables and tc', async () => {
    const before = await dataPlane(hosts.a);
    expect(before.wg).toContain(customers.bob.publicKey);
    expect(before.nft).toContain(customers.bob.client.address);
    await applied('DELETE', `/api/v1/peers/${customers.bob.id}`);
    const after = await dataPlane(hosts.a);
    expect(after.wg).not.toContain(customers.bob.publicKey);
    expect(after.nft).not.toContain(customers.bob.client.address);
    // bob had both directions limited: one class each way is gone, alice's remain.
    expect(after.tcClasses).toBe(before.tcClasses - 2);
    expect(after.wg).toContain(customers.alice.publicKey);
  });

  it('changes nothing in the data plane when the agent restarts', async () => {
    const before = await dataPlane(hosts.a);
    await hosts.a.agent.stop();
    // The data plane keeps running without its agent (fail-static).
    expect(await customers.alice.ns.ping('100.64.60.1')).toBe(true);
    hosts.a.agent.start();
    await waitInSync(controller, hosts.a);
    await sleep(1_000);
    expect(await dataPlane(hosts.a)).toEqual(before);
    expect(await customers.alice.ns.ping('100.64.60.1')).toBe(true);
  });

  it('gives each host its own state and nothing of the other’s', async () => {
    const stateOf = async (h: Host): Promise<string> => {
      const names = await readFile(join(h.agent.stateDir, 'applied-state.json'), 'utf8').catch(() => '');
      // Links, not `wg show interfaces`: wireguard-go's sockets are shared by every namespace.
      return names + (await h.ns.exec('ip', ['-o', 'link', 'show'])).stdout;
    };
    const [a, b] = [await stateOf(hosts.a), await stateOf(hosts.b)];
    expect(a).toContain(hosts.a.iface.name);
    expect(a).not.toContain(hosts.b.iface.name);
    expect(b).toContain(hosts.b.iface.name);
    expect(b).not.toContain(hosts.a.iface.name);
    expect(b).not.toContain(customers.alice.publicKey);
  });

  /** What a host's kernel runs: WireGuard peers (without live counters), the nftables rules, tc classes. */
  async function dataPlane(h: Host): Promise<{ wg: string; nft: string; tcClasses: number; ifindex: string }> {
    const dump = (await h.ns.exec('wg', ['show', h.iface.name, 'dump'])).stdout;
    // Keep key, psk, endpoint, allowed ips; drop handshake time and transfer counters.
    const wg = dump.trim().split('\n').map((l) => l.split('\t').slice(0, 4).join('\t')).sort().join('\n');
    const nft = (await h.ns.exec('nft', ['-s', 'list', 'ruleset'])).stdout;
    const classes = (await tcClasses(h.ns)).length;
    const ifindex = (await h.ns.exec('cat', [`/sys/class/net/${h.iface.name}/ifindex`])).stdout.trim();
    return { wg, nft, tcClasses: classes, ifindex };
  }
});

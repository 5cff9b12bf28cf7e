// Racing requests: uniqueness (addresses, names, ports, subnets) holds under parallel writes, and
// the losers get clean 409s in the contract's error body, never a 5xx.
import { generateKeyPair, ipv4ToInt, parseIpv4Cidr } from '@wgfleet/domain';
import type { Response } from 'supertest';
import { api, countRows, createHost, createInterface, createPeer, expectError, type HostBody, type InterfaceBody, type PeerBody } from './fixtures';
import { startTestApp, type TestApp } from './harness';

jest.setTimeout(180_000);

/** Usable peer addresses of a /24: 254 host addresses minus the interface's own. */
const FREE_IN_24 = 253;

describe('concurrency', () => {
  let t: TestApp;
  let host: HostBody;
  let subnet = 0;

  beforeAll(async () => {
    // Hundreds of requests in a few seconds: the rate limit is not what this suite is about.
    t = await startTestApp({ WGFLEET_RATE_LIMIT: '1000000' });
    // One listening server for every request (supertest would otherwise listen once per request).
    await t.app.listen(0, '127.0.0.1');
    host = await createHost(t, { name: 'h1', publicAddress: '198.51.100.1' });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A fresh /24 interface on `hostId`. */
  const freshInterface = (hostId = host.id): Promise<InterfaceBody> => createInterface(t, { hostId, address: `10.60.${subnet++}.1/24` });

  const createPeers = (iface: InterfaceBody, n: number, body: (i: number) => Record<string, unknown> = () => ({})): Promise<Response[]> =>
    Promise.all(Array.from({ length: n }, (_, i) => t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send(body(i))));

  const statuses = (responses: Response[]): Record<number, number> => {
    const out: Record<number, number> = {};
    for (const r of responses) out[r.status] = (out[r.status] ?? 0) + 1;
    return out;
  };

  /** Every address is a usable, distinct host address of the interface's subnet. */
  function expectUsableDistinct(iface: InterfaceBody, addresses: string[]): void {
    const cidr = parseIpv4Cidr(iface.address);
    expect(new Set(addresses).size).toBe(addresses.length);
    for (const a of addresses) {
      const n = ipv4ToInt(a);
      expect(n).toBeGreaterThan(cidr.network);
      expect(n).toBeLessThan(cidr.broadcast);
      expect(a).not.toBe(cidr.address);
    }
  }

  /** Exactly one winner; every loser a 409 with `code` in the contract's body. */
  function expectOneWinner(responses: Response[], code: string): Response {
    expect(statuses(responses)).toEqual({ 201: 1, 409: responses.length - 1 });
    for (const r of responses.filter((x) => x.status === 409)) expectError(r, 409, code);
    return responses.find((r) => r.status === 201)!;
  }

  it('gives 200 parallel creates on a /24 200 distinct addresses, then clean 409s once it is full', async () => {
    const iface = await freshInterface();
    const first = await createPeers(iface, 200);
    expect(statuses(first)).toEqual({ 201: 200 });
    const addresses = first.map((r) => (r.body as PeerBody).address);
    expectUsableDistinct(iface, addresses);

    const rest = await createPeers(iface, FREE_IN_24 - 200);
    expect(statuses(rest)).toEqual({ 201: FREE_IN_24 - 200 });
    const all = [...addresses, ...rest.map((r) => (r.body as PeerBody).address)];
    expectUsableDistinct(iface, all);
    expect(all).toHaveLength(FREE_IN_24);

    const beyond = await createPeers(iface, 20);
    expect(statuses(beyond)).toEqual({ 409: 20 });
    for (const r of beyond) expect(expectError(r, 409, 'NO_FREE_ADDRESS').details[0]?.field).toBe('address');
    expect(await countRows(t, 'peers', 'interface_id = $1', [iface.id])).toBe(FREE_IN_24);

    // The interface says so too, and a freed address is handed out again.
    expect((await t.http().get(api(`/interfaces/${iface.id}/available-ips`)).set(t.auth()).expect(200)).body).toEqual({ items: [] });
    const victim = first[17]!.body as PeerBody;
    await t.http().delete(api(`/peers/${victim.id}`)).set(t.auth()).expect(200);
    const again = await createPeers(iface, 5);
    expect(statuses(again)).toEqual({ 201: 1, 409: 4 });
    expect((again.find((r) => r.status === 201)!.body as PeerBody).address).toBe(victim.address);
  });

  it('hands out exactly the free addresses when 300 creates race for a fresh /24', async () => {
    const iface = await freshInterface();
    // Reads during the burst are served too: the waiting writers do not hold the connection pool.
    const [responses, reads] = await Promise.all([
      createPeers(iface, 300),
      Promise.all(Array.from({ length: 20 }, () => t.http().get(api('/peers')).query({ limit: 1 }).set(t.auth()))),
    ]);
    expect(statuses(reads)).toEqual({ 200: 20 });
    expect(statuses(responses)).toEqual({ 201: FREE_IN_24, 409: 300 - FREE_IN_24 });
    for (const r of responses.filter((x) => x.status === 409)) expectError(r, 409, 'NO_FREE_ADDRESS');
    const addresses = responses.filter((r) => r.status === 201).map((r) => (r.body as PeerBody).address);
    expectUsableDistinct(iface, addresses);
    const net = iface.address.replace(/\.1\/24$/, '');
    for (const reserved of [`${net}.0`, `${net}.1`, `${net}.255`]) expect(addresses).not.toContain(reserved);
    expect(await countRows(t, 'peers', 'interface_id = $1', [iface.id])).toBe(FREE_IN_24);
    // Every winner's revision is its own: the host's revision moved once per created peer.
    const revisions = responses.filter((r) => r.status === 201).map((r) => (r.body as PeerBody).revision);
    expect(new Set(revisions).size).toBe(FREE_IN_24);
  });

  it('lets one of 20 racing creates take an explicit address, name or public key', async () => {
    const iface = await freshInterface();
    const net = iface.address.replace(/\.1\/24$/, '');
    const address = expectOneWinner(await createPeers(iface, 20, (i) => ({ name: `want-7-${i}`, address: `${net}.7` })), 'ADDRESS_IN_USE');
    expect((address.body as PeerBody).address).toBe(`${net}.7`);

    expectOneWinner(await createPeers(iface, 20, () => ({ name: 'popular' })), 'NAME_TAKEN');

    const { publicKey } = generateKeyPair();
    expectOneWinner(await createPeers(iface, 20, () => ({ publicKey })), 'PUBLIC_KEY_IN_USE');
    expect(await countRows(t, 'peers', 'interface_id = $1', [iface.id])).toBe(3);

    // A move to an address races a create for it the same way.
    const mover = await createPeer(t, iface.id, { name: 'mover' });
    const [moved, created] = await Promise.all([
      t.http().patch(api(`/peers/${mover.id}`)).set(t.auth()).send({ address: `${net}.77` }),
      t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ address: `${net}.77` }),
    ]);
    // Either the move (200) or the create (201) wins; the other is a 409.
    expect([moved.status, created.status]).toEqual(moved.status === 200 ? [200, 409] : [409, 201]);
    expectError(moved.status === 409 ? moved : created, 409, 'ADDRESS_IN_USE');
  });

  it('keeps addresses distinct when two replicas race for one interface (the database decides)', async () => {
    const replica = await startTestApp({ WGFLEET_RATE_LIMIT: '1000000' }, { shareWith: t });
    try {
      await replica.app.listen(0, '127.0.0.1');
      const iface = await freshInterface();
      const via = (i: number): TestApp => (i % 2 === 0 ? t : replica);
      const responses = await Promise.all(Array.from({ length: 280 }, (_, i) => via(i).http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({})));
      expect(statuses(responses)).toEqual({ 201: FREE_IN_24, 409: 280 - FREE_IN_24 });
      for (const r of responses.filter((x) => x.status === 409)) expectError(r, 409, 'NO_FREE_ADDRESS');
      expectUsableDistinct(iface, responses.filter((r) => r.status === 201).map((r) => (r.body as PeerBody).address));

      const other = await freshInterface();
      const net = other.address.replace(/\.1\/24$/, '');
      const explicit = await Promise.all(Array.from({ length: 20 }, (_, i) => via(i).http().post(api(`/interfaces/${other.id}/peers`)).set(t.auth()).send({ address: `${net}.9` })));
      expectOneWinner(explicit, 'ADDRESS_IN_USE');
    } finally {
      await replica.close();
    }
  });

  it('lets one of 20 racing port forwards take a port/protocol of a host, across its interfaces', async () => {
    const a = await freshInterface();
    const b = await freshInterface();
    const peersA = (await createPeers(a, 10)).map((r) => r.body as PeerBody);
    const peersB = (await createPeers(b, 10)).map((r) => r.body as PeerBody);
    const targets = [...peersA.map((p) => [a, p] as const), ...peersB.map((p) => [b, p] as const)];
    const responses = await Promise.all(
      targets.map(([iface, peer]) => t.http().post(api(`/interfaces/${iface.id}/port-forwards`)).set(t.auth()).send({ protocol: 'tcp', port: 25565, peerId: peer.id, targetPort: 25565 })),
    );
    expectOneWinner(responses, 'PORT_IN_USE');
    expect(await countRows(t, 'port_forwards', 'host_id = $1 AND port = 25565', [host.id])).toBe(1);

    // The other protocol is a different slot: one of those wins as well.
    const udp = await Promise.all(peersA.map((peer) => t.http().post(api(`/interfaces/${a.id}/port-forwards`)).set(t.auth()).send({ protocol: 'udp', port: 25565, peerId: peer.id, targetPort: 1 })));
    expectOneWinner(udp, 'PORT_IN_USE');
  });

  it('lets one of 20 racing interfaces take a name, a listen port or a subnet on a host', async () => {
    const h = await createHost(t, { name: 'h-race' });
    const create = (body: Record<string, unknown>): Promise<Response> => t.http().post(api('/interfaces')).set(t.auth()).send({ hostId: h.id, ...body });

    const byName = await Promise.all(Array.from({ length: 20 }, (_, i) => create({ name: 'wg-shared', listenPort: 40000 + i, address: `10.61.${i}.1/24` })));
    expectOneWinner(byName, 'NAME_TAKEN');

    const byPort = await Promise.all(Array.from({ length: 20 }, (_, i) => create({ name: `wgp${i}`, listenPort: 41000, address: `10.62.${i}.1/24` })));
    expectOneWinner(byPort, 'PORT_IN_USE');

    const bySubnet = await Promise.all(Array.from({ length: 20 }, (_, i) => create({ name: `wgs${i}`, listenPort: 42000 + i, address: `10.63.0.${i + 1}/24` })));
    expectOneWinner(bySubnet, 'SUBNET_OVERLAP');
    expect(await countRows(t, 'interfaces', 'host_id = $1', [h.id])).toBe(3);

    // Another host is another namespace: the same name, port and subnet are fine there.
    const other = await createHost(t, { name: 'h-race-2' });
    const elsewhere = await Promise.all([
      t.http().post(api('/interfaces')).set(t.auth()).send({ hostId: other.id, name: 'wg-shared', listenPort: 40001, address: '10.61.1.1/24' }),
      t.http().post(api('/interfaces')).set(t.auth()).send({ hostId: other.id, name: 'wgp1', listenPort: 41000, address: '10.63.0.1/24' }),
    ]);
    expect(statuses(elsewhere)).toEqual({ 201: 2 });
  });

  it('gives 20 racing interfaces without settings distinct names, ports and subnets', async () => {
    const h = await createHost(t, { name: 'h-defaults' });
    const responses = await Promise.all(Array.from({ length: 20 }, () => t.http().post(api('/interfaces')).set(t.auth()).send({ hostId: h.id })));
    expect(statuses(responses)).toEqual({ 201: 20 });
    const ifaces = responses.map((r) => r.body as InterfaceBody);
    expect(new Set(ifaces.map((i) => i.name)).size).toBe(20);
    expect(new Set(ifaces.map((i) => i.listenPort)).size).toBe(20);
    expect(new Set(ifaces.map((i) => i.address)).size).toBe(20);
  });

  it('never lets a listen port and a port forward take the same port when they race', async () => {
    const iface = await freshInterface();
    const peer = await createPeer(t, iface.id);
    for (let port = 43000; port < 43010; port++) {
      const [forward, listener] = await Promise.all([
        t.http().post(api(`/interfaces/${iface.id}/port-forwards`)).set(t.auth()).send({ protocol: 'udp', port, peerId: peer.id, targetPort: port }),
        t.http().post(api('/interfaces')).set(t.auth()).send({ hostId: host.id, listenPort: port, address: `10.64.${port - 43000}.1/24` }),
      ]);
      expect([forward.status, listener.status].sort()).toEqual([201, 409]);
      expectError(forward.status === 409 ? forward : listener, 409);
    }
  });

  it('racing first hosts all get created, and exactly one becomes the default', async () => {
    const fresh = await startTestApp({ WGFLEET_RATE_LIMIT: '1000000' });
    try {
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => fresh.http().post(api('/hosts')).set(fresh.auth()).send({ name: `first-${i}`, kind: 'linux' })),
      );
      expect(statuses(responses)).toEqual({ 201: 10 });
      expect(responses.filter((r) => (r.body as HostBody).isDefault)).toHaveLength(1);
      expect(await countRows(fresh, 'hosts', 'is_default')).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});

import { generateKeyPair } from '@wgfleet/domain';
import { api, countRows, createHost, createInterface, createPeer, expectError, ISO_RE, UNKNOWN_ID, UUID_RE, WG_KEY_RE, type HostBody, type InterfaceBody, type Page, type PeerBody } from './fixtures';
import { queryDb, startTestApp, type TestApp } from './harness';

describe('interfaces', () => {
  let t: TestApp;
  let host: HostBody;
  let other: HostBody;
  let wg0: InterfaceBody;

  beforeAll(async () => {
    t = await startTestApp();
    host = await createHost(t, { name: 'h1' });
    other = await createHost(t, { name: 'h2' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('fills in unique sensible defaults on the default host', async () => {
    const res = await t.http().post(api('/interfaces')).set(t.auth()).send({});
    expect(res.status).toBe(201);
    wg0 = res.body as InterfaceBody;
    expect(wg0).toEqual({
      id: expect.stringMatching(UUID_RE),
      hostId: host.id,
      name: 'wg0',
      displayName: null,
      address: '10.8.0.1/24',
      listenPort: 51820,
      publicKey: expect.stringMatching(WG_KEY_RE),
      endpoint: null,
      dns: [],
      mtu: null,
      persistentKeepalive: null,
      nat: { enabled: true, snatAddress: null },
      internalTraffic: false,
      defaultBandwidth: { downloadKbit: 0, uploadKbit: 0 },
      createdAt: expect.stringMatching(ISO_RE),
      updatedAt: expect.stringMatching(ISO_RE),
      stats: { peers: 0, peersOnline: 0, rxBytes: 0, txBytes: 0 },
      revision: 2,
    });
    expect(res.headers['x-wgfleet-revision']).toBe('2');

    const wg1 = await createInterface(t, {});
    expect(wg1).toMatchObject({ hostId: host.id, name: 'wg1', address: '10.8.1.1/24', listenPort: 51821 });
    expect(wg1.publicKey).not.toBe(wg0.publicKey);
  });

  it('takes every given setting, and derives the public key from a given private key', async () => {
    const keys = generateKeyPair();
    const iface = await createInterface(t, {
      hostId: other.id,
      name: 'wg-cust',
      displayName: 'Customers',
      address: '172.16.5.1/24',
      listenPort: 40000,
      endpoint: 'vpn.example.com:40000',
      dns: ['1.1.1.1', '9.9.9.9'],
      mtu: 1420,
      persistentKeepalive: 25,
      nat: { enabled: true, snatAddress: '203.0.113.7' },
      internalTraffic: true,
      defaultBandwidth: { downloadKbit: 10000, uploadKbit: 5000 },
      privateKey: keys.privateKey,
    });
    expect(iface).toMatchObject({
      hostId: other.id,
      name: 'wg-cust',
      displayName: 'Customers',
      address: '172.16.5.1/24',
      listenPort: 40000,
      endpoint: 'vpn.example.com:40000',
      dns: ['1.1.1.1', '9.9.9.9'],
      mtu: 1420,
      persistentKeepalive: 25,
      nat: { enabled: true, snatAddress: '203.0.113.7' },
      internalTraffic: true,
      defaultBandwidth: { downloadKbit: 10000, uploadKbit: 5000 },
      publicKey: keys.publicKey,
    });
    expect(iface).not.toHaveProperty('privateKey');
    // wg0 is free on the other host: names, ports and subnets are unique per host only.
    expect(await createInterface(t, { hostId: other.id })).toMatchObject({ name: 'wg0', address: '10.8.0.1/24', listenPort: 51820 });
  });

  it('answers 409 for a name, listen port or overlapping subnet already used on the host', async () => {
    const name = expectError(await t.http().post(api('/interfaces')).set(t.auth()).send({ hostId: host.id, name: 'wg0' }), 409, 'NAME_TAKEN');
    expect(name.details).toEqual([expect.objectContaining({ field: 'name' })]);
    const port = expectError(await t.http().post(api('/interfaces')).set(t.auth()).send({ hostId: host.id, listenPort: 51820 }), 409, 'PORT_IN_USE');
    expect(port.details[0]?.field).toBe('listenPort');
    expect(port.message).toContain('wg0');
    const subnet = expectError(await t.http().post(api('/interfaces')).set(t.auth()).send({ hostId: host.id, address: '10.8.0.129/25' }), 409, 'SUBNET_OVERLAP');
    expect(subnet.details[0]?.field).toBe('address');
    const wider = expectError(await t.http().post(api('/interfaces')).set(t.auth()).send({ hostId: host.id, address: '10.8.128.1/16' }), 409, 'SUBNET_OVERLAP');
    expect(wider.message).toContain('10.8.0.1/24');
    expect(await countRows(t, 'interfaces', 'host_id = $1', [host.id])).toBe(2);
  });

  it('lists interfaces, filtered by host, in pages', async () => {
    const all = (await t.http().get(api('/interfaces')).set(t.auth()).expect(200)).body as Page<InterfaceBody>;
    expect(all.items).toHaveLength(4);
    expect(all.nextCursor).toBeNull();
    const mine = (await t.http().get(api('/interfaces')).query({ hostId: host.id }).set(t.auth()).expect(200)).body as Page<InterfaceBody>;
    expect(mine.items.map((i) => i.name)).toEqual(['wg0', 'wg1']);
    const first = (await t.http().get(api('/interfaces')).query({ limit: 3 }).set(t.auth()).expect(200)).body as Page<InterfaceBody>;
    expect(first.items).toHaveLength(3);
    const rest = (await t.http().get(api('/interfaces')).query({ limit: 3, cursor: first.nextCursor }).set(t.auth()).expect(200)).body as Page<InterfaceBody>;
    expect([...first.items, ...rest.items].map((i) => i.id)).toEqual(all.items.map((i) => i.id));
    expect(rest.nextCursor).toBeNull();
  });

  it('gets an interface with live counters', async () => {
    const peer = await createPeer(t, wg0.id, { name: 'counted' });
    await queryDb(t.databaseUrl, `UPDATE peers SET rx_bytes = 1000, tx_bytes = 250, last_handshake_at = now() WHERE id = $1`, [peer.id]);
    const res = await t.http().get(api(`/interfaces/${wg0.id}`)).set(t.auth());
    expect(res.status).toBe(200);
    expect((res.body as InterfaceBody).stats).toEqual({ peers: 1, peersOnline: 1, rxBytes: 1000, txBytes: 250 });
    expectError(await t.http().get(api(`/interfaces/${UNKNOWN_ID}`)).set(t.auth()), 404, 'NOT_FOUND');
    await t.http().delete(api(`/peers/${peer.id}`)).set(t.auth()).expect(200);
  });

  it('patches settings and bumps the revision', async () => {
    const before = ((await t.http().get(api(`/hosts/${host.id}`)).set(t.auth())).body as HostBody).desiredRevision;
    const res = await t
      .http()
      .patch(api(`/interfaces/${wg0.id}`))
      .set(t.auth())
      .send({ displayName: 'Main', mtu: 1380, dns: ['8.8.8.8'], nat: { enabled: false }, defaultBandwidth: { downloadKbit: 2000, uploadKbit: 1000 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: wg0.id,
      name: 'wg0',
      displayName: 'Main',
      mtu: 1380,
      dns: ['8.8.8.8'],
      nat: { enabled: false, snatAddress: null },
      defaultBandwidth: { downloadKbit: 2000, uploadKbit: 1000 },
      revision: before + 1,
    });
    expectError(await t.http().patch(api(`/interfaces/${wg0.id}`)).set(t.auth()).send({ name: 'wg1' }), 409, 'NAME_TAKEN');
    expectError(await t.http().patch(api(`/interfaces/${wg0.id}`)).set(t.auth()).send({ listenPort: 51821 }), 409, 'PORT_IN_USE');
    expect(await t.http().patch(api(`/interfaces/${wg0.id}`)).set(t.auth()).send({ listenPort: 51900 })).toMatchObject({ status: 200, body: { listenPort: 51900 } });
    expectError(await t.http().patch(api(`/interfaces/${UNKNOWN_ID}`)).set(t.auth()).send({ mtu: 1400 }), 404);
  });

  it('lists available addresses, skipping the network, the interface and taken ones', async () => {
    const fresh = (await t.http().get(api(`/interfaces/${wg0.id}/available-ips`)).query({ limit: 3 }).set(t.auth())).body as { items: string[] };
    expect(fresh).toEqual({ items: ['10.8.0.2', '10.8.0.3', '10.8.0.4'] });
    const peer = await createPeer(t, wg0.id, { address: '10.8.0.3' });
    const after = (await t.http().get(api(`/interfaces/${wg0.id}/available-ips`)).query({ limit: 3 }).set(t.auth())).body as { items: string[] };
    expect(after.items).toEqual(['10.8.0.2', '10.8.0.4', '10.8.0.5']);
    const all = (await t.http().get(api(`/interfaces/${wg0.id}/available-ips`)).query({ limit: 1000 }).set(t.auth())).body as { items: string[] };
    expect(all.items).toHaveLength(252); // 254 hosts - the interface - one peer
    expect(all.items).not.toContain('10.8.0.255');
    expect(((await t.http().get(api(`/interfaces/${wg0.id}/available-ips`)).set(t.auth())).body as { items: string[] }).items).toHaveLength(50);
    await t.http().delete(api(`/peers/${peer.id}`)).set(t.auth()).expect(200);
  });

  it('applies the default bandwidth to every peer', async () => {
    const custom = await createPeer(t, wg0.id, { name: 'custom', bandwidth: { downloadKbit: 5, uploadKbit: 7 } });
    const plain = await createPeer(t, wg0.id, { name: 'plain' });
    expect(custom).toMatchObject({ bandwidth: { downloadKbit: 5, uploadKbit: 7 }, bandwidthIsDefault: false });
    expect(plain).toMatchObject({ bandwidth: { downloadKbit: 2000, uploadKbit: 1000 }, bandwidthIsDefault: true });

    const res = await t.http().post(api(`/interfaces/${wg0.id}/apply-default-bandwidth`)).set(t.auth());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ updated: 2, revision: Number(res.headers['x-wgfleet-revision']) });
    const peer = (await t.http().get(api(`/peers/${custom.id}`)).set(t.auth())).body as PeerBody;
    expect(peer).toMatchObject({ bandwidth: { downloadKbit: 2000, uploadKbit: 1000 }, bandwidthIsDefault: true });
    expectError(await t.http().post(api(`/interfaces/${UNKNOWN_ID}/apply-default-bandwidth`)).set(t.auth()), 404);
  });

  it('shows the dataplane as pending until the host reports, then the report', async () => {
    const pending = await t.http().get(api(`/interfaces/${wg0.id}/dataplane`)).set(t.auth());
    expect(pending.status).toBe(200);
    expect(pending.body).toEqual({ interfaceId: wg0.id, hostId: host.id, state: 'pending', revision: null, reportedAt: null, wireguard: null, nftables: null, tc: null });

    const report = { wireguard: { peers: [] }, nftables: { rules: [{ packets: 1, bytes: 60 }] }, tc: { classes: [] } };
    await queryDb(t.databaseUrl, `INSERT INTO dataplane_reports (interface_id, host_id, revision, report) VALUES ($1, $2, 3, $3)`, [wg0.id, host.id, JSON.stringify(report)]);
    const reported = await t.http().get(api(`/interfaces/${wg0.id}/dataplane`)).set(t.auth());
    expect(reported.body).toEqual({ interfaceId: wg0.id, hostId: host.id, state: 'reported', revision: 3, reportedAt: expect.stringMatching(ISO_RE), ...report });
    expectError(await t.http().get(api(`/interfaces/${UNKNOWN_ID}/dataplane`)).set(t.auth()), 404);
  });

  it('refuses to delete an interface with peers unless ?force=true, which removes them too', async () => {
    const peer = await createPeer(t, wg0.id, { name: 'forwarded' });
    await t.http().post(api(`/interfaces/${wg0.id}/port-forwards`)).set(t.auth()).send({ protocol: 'tcp', port: 8080, peerId: peer.id, targetPort: 80 }).expect(201);
    const refused = expectError(await t.http().delete(api(`/interfaces/${wg0.id}`)).set(t.auth()), 409, 'INTERFACE_HAS_PEERS');
    expect(refused.message).toContain('force');
    expect(await countRows(t, 'peers', 'interface_id = $1', [wg0.id])).toBe(3);

    const forced = await t.http().delete(api(`/interfaces/${wg0.id}`)).query({ force: 'true' }).set(t.auth());
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({ id: wg0.id, deleted: true, revision: expect.any(Number) });
    expect(await countRows(t, 'peers', 'interface_id = $1', [wg0.id])).toBe(0);
    expect(await countRows(t, 'port_forwards', 'interface_id = $1', [wg0.id])).toBe(0);
    expectError(await t.http().get(api(`/interfaces/${wg0.id}`)).set(t.auth()), 404);
  });

  it('deletes an interface without peers, and reuses its name, port and subnet afterwards', async () => {
    const iface = await createInterface(t, { hostId: host.id });
    expect(iface).toMatchObject({ name: 'wg0', address: '10.8.0.1/24', listenPort: 51820 });
    const res = await t.http().delete(api(`/interfaces/${iface.id}`)).set(t.auth());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: iface.id, deleted: true, revision: Number(res.headers['x-wgfleet-revision']) });
    expectError(await t.http().delete(api(`/interfaces/${iface.id}`)).set(t.auth()), 404);
  });
});

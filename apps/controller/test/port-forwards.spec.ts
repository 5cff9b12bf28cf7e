import { api, countRows, createApiKey, createHost, createInterface, createPeer, expectError, expectInvalid, ISO_RE, UNKNOWN_ID, UUID_RE, type HostBody, type InterfaceBody, type Page, type PeerBody, type PortForwardBody } from './fixtures';
import { startTestApp, type TestApp } from './harness';

describe('port forwards', () => {
  let t: TestApp;
  let host: HostBody;
  let wg0: InterfaceBody;
  let wg1: InterfaceBody;
  let elsewhere: InterfaceBody;
  let alice: PeerBody;
  let bob: PeerBody;
  let carol: PeerBody;
  let web: PortForwardBody;

  beforeAll(async () => {
    t = await startTestApp();
    host = await createHost(t, { name: 'h1', publicAddress: '198.51.100.1' });
    wg0 = await createInterface(t, { hostId: host.id, listenPort: 51820 });
    wg1 = await createInterface(t, { hostId: host.id, listenPort: 51821 });
    const other = await createHost(t, { name: 'h2', publicAddress: '198.51.100.2' });
    elsewhere = await createInterface(t, { hostId: other.id, listenPort: 51820 });
    alice = await createPeer(t, wg0.id, { name: 'alice' });
    bob = await createPeer(t, wg0.id, { name: 'bob' });
    carol = await createPeer(t, wg1.id, { name: 'carol' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const create = (interfaceId: string, body: Record<string, unknown>) => t.http().post(api(`/interfaces/${interfaceId}/port-forwards`)).set(t.auth()).send(body);
  const list = async (interfaceId: string, query: Record<string, string | number> = {}): Promise<Page<PortForwardBody>> =>
    (await t.http().get(api(`/interfaces/${interfaceId}/port-forwards`)).query(query).set(t.auth()).expect(200)).body as Page<PortForwardBody>;

  it('creates a forward with the documented fields and a new revision', async () => {
    const res = await create(wg0.id, { protocol: 'tcp', port: 8080, peerId: alice.id, targetPort: 80 });
    expect(res.status).toBe(201);
    web = res.body as PortForwardBody;
    expect(web).toEqual({
      id: expect.stringMatching(UUID_RE),
      hostId: host.id,
      interfaceId: wg0.id,
      peerId: alice.id,
      peerAddress: alice.address,
      protocol: 'tcp',
      port: 8080,
      targetPort: 80,
      createdAt: expect.stringMatching(ISO_RE),
      revision: Number(res.headers['x-wgfleet-revision']),
    });
    expect(web.revision).toBeGreaterThan(carol.revision!);
  });

  it('allows the same port with the other protocol, and the same port/protocol on another host', async () => {
    expect((await create(wg0.id, { protocol: 'udp', port: 8080, peerId: bob.id, targetPort: 8080 })).status).toBe(201);
    const peer = await createPeer(t, elsewhere.id);
    expect((await create(elsewhere.id, { protocol: 'tcp', port: 8080, peerId: peer.id, targetPort: 80 })).status).toBe(201);
  });

  it('answers 409 for a port/protocol already forwarded on the host, from any of its interfaces', async () => {
    const before = await countRows(t, 'port_forwards');
    const same = expectError(await create(wg0.id, { protocol: 'tcp', port: 8080, peerId: bob.id, targetPort: 81 }), 409, 'PORT_IN_USE');
    expect(same.details[0]?.field).toBe('port');
    expect(same.message).toContain('8080');
    const across = expectError(await create(wg1.id, { protocol: 'tcp', port: 8080, peerId: carol.id, targetPort: 80 }), 409, 'PORT_IN_USE');
    expect(across.details[0]?.field).toBe('port');
    expectError(await create(wg1.id, { protocol: 'udp', port: 8080, peerId: carol.id, targetPort: 80 }), 409, 'PORT_IN_USE');
    expect(await countRows(t, 'port_forwards')).toBe(before);
  });

  it('answers 409 for a port that is a listen port on the host, for either protocol and any interface', async () => {
    const before = await countRows(t, 'port_forwards');
    for (const [iface, peer, port] of [
      [wg0, alice, 51820],
      [wg0, alice, 51821],
      [wg1, carol, 51820],
    ] as const) {
      for (const protocol of ['udp', 'tcp']) {
        const res = expectError(await create(iface.id, { protocol, port, peerId: peer.id, targetPort: 1000 }), 409);
        expect(res.details[0]?.field).toBe('port');
        expect(res.message).toContain(String(port));
      }
    }
    expect(await countRows(t, 'port_forwards')).toBe(before);
  });

  it('keeps interfaces off forwarded ports: 409 for such a listen port, and defaults skip it', async () => {
    await create(wg0.id, { protocol: 'udp', port: 51822, peerId: alice.id, targetPort: 51822 }).expect(201);
    const res = expectError(await t.http().post(api('/interfaces')).set(t.auth()).send({ hostId: host.id, listenPort: 51822 }), 409, 'PORT_IN_USE');
    expect(res.details[0]?.field).toBe('listenPort');
    expectError(await t.http().patch(api(`/interfaces/${wg1.id}`)).set(t.auth()).send({ listenPort: 51822 }), 409, 'PORT_IN_USE');
    const next = await createInterface(t, { hostId: host.id });
    expect(next.listenPort).toBe(51823);
    await t.http().delete(api(`/interfaces/${next.id}`)).set(t.auth()).expect(200);
  });

  it('answers 400 for a peer of another interface, and 404 for an unknown peer or interface', async () => {
    const before = await countRows(t, 'port_forwards');
    expectInvalid(await create(wg0.id, { protocol: 'tcp', port: 9000, peerId: carol.id, targetPort: 80 }), 'peerId');
    expectInvalid(await create(elsewhere.id, { protocol: 'tcp', port: 9000, peerId: alice.id, targetPort: 80 }), 'peerId');
    expectError(await create(wg0.id, { protocol: 'tcp', port: 9000, peerId: UNKNOWN_ID, targetPort: 80 }), 404, 'NOT_FOUND');
    expectError(await create(UNKNOWN_ID, { protocol: 'tcp', port: 9000, peerId: alice.id, targetPort: 80 }), 404, 'NOT_FOUND');
    expectError(await create('wg0', { protocol: 'tcp', port: 9000, peerId: alice.id, targetPort: 80 }), 404, 'NOT_FOUND');
    expectInvalid(await create(wg0.id, { protocol: 'sctp', port: 9000, peerId: alice.id, targetPort: 80 }), 'protocol');
    expectInvalid(await create(wg0.id, { protocol: 'tcp', port: 9000, peerId: alice.id }), 'targetPort');
    expect(await countRows(t, 'port_forwards')).toBe(before);
  });

  it("lists an interface's forwards in creation order, in pages", async () => {
    const mine = await list(wg0.id);
    expect(mine.nextCursor).toBeNull();
    expect(mine.items.map((f) => [f.protocol, f.port, f.peerId])).toEqual([
      ['tcp', 8080, alice.id],
      ['udp', 8080, bob.id],
      ['udp', 51822, alice.id],
    ]);
    expect(mine.items[0]).toEqual({ ...web, revision: undefined });
    expect(mine.items[1]).toMatchObject({ interfaceId: wg0.id, hostId: host.id, peerAddress: bob.address, targetPort: 8080 });
    expect(await list(wg1.id)).toEqual({ items: [], nextCursor: null });

    const first = await list(wg0.id, { limit: 2 });
    expect(first.items).toHaveLength(2);
    const rest = await list(wg0.id, { limit: 2, cursor: first.nextCursor! });
    expect([...first.items, ...rest.items].map((f) => f.id)).toEqual(mine.items.map((f) => f.id));
    expect(rest.nextCursor).toBeNull();

    expectError(await t.http().get(api(`/interfaces/${UNKNOWN_ID}/port-forwards`)).set(t.auth()), 404, 'NOT_FOUND');
  });

  it('lets a readonly key list forwards but not create or delete them', async () => {
    const readonly = await createApiKey(t, { role: 'readonly' });
    await t.http().get(api(`/interfaces/${wg0.id}/port-forwards`)).set(t.auth(readonly.key)).expect(200);
    expectError(await t.http().post(api(`/interfaces/${wg0.id}/port-forwards`)).set(t.auth(readonly.key)).send({ protocol: 'tcp', port: 9001, peerId: alice.id, targetPort: 80 }), 403, 'FORBIDDEN');
    expectError(await t.http().delete(api(`/port-forwards/${web.id}`)).set(t.auth(readonly.key)), 403, 'FORBIDDEN');
  });

  it('deletes a forward with a new revision, which frees its port', async () => {
    const res = await t.http().delete(api(`/port-forwards/${web.id}`)).set(t.auth());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: web.id, deleted: true, revision: Number(res.headers['x-wgfleet-revision']) });
    expect((res.body as { revision: number }).revision).toBeGreaterThan(web.revision!);
    expect((await list(wg0.id)).items.map((f) => f.id)).not.toContain(web.id);
    expectError(await t.http().delete(api(`/port-forwards/${web.id}`)).set(t.auth()), 404, 'NOT_FOUND');
    expectError(await t.http().delete(api('/port-forwards/not-an-id')).set(t.auth()), 404, 'NOT_FOUND');
    // The port is free again, also for another interface of the host.
    expect((await create(wg1.id, { protocol: 'tcp', port: 8080, peerId: carol.id, targetPort: 8000 })).status).toBe(201);
  });

  it("goes with its peer and its interface", async () => {
    const peer = await createPeer(t, wg1.id, { name: 'short-lived' });
    await create(wg1.id, { protocol: 'tcp', port: 7000, peerId: peer.id, targetPort: 7000 }).expect(201);
    await t.http().delete(api(`/peers/${peer.id}`)).set(t.auth()).expect(200);
    expect((await list(wg1.id)).items.map((f) => f.port)).toEqual([8080]);
    await t.http().delete(api(`/interfaces/${wg1.id}`)).query({ force: 'true' }).set(t.auth()).expect(200);
    expect(await countRows(t, 'port_forwards', 'interface_id = $1', [wg1.id])).toBe(0);
    // Its port is free for the host's other interfaces now.
    expect((await create(wg0.id, { protocol: 'tcp', port: 8080, peerId: alice.id, targetPort: 80 })).status).toBe(201);
  });
});

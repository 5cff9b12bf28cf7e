import { generateKeyPair, generatePresharedKey, publicKeyFromPrivate } from '@wgfleet/domain';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { Response } from 'supertest';
import { api, countRows, createHost, createInterface, createPeer, expectError, expectInvalid, ISO_RE, UNKNOWN_ID, UUID_RE, WG_KEY_RE, type InterfaceBody, type Page, type PeerBody } from './fixtures';
import { queryDb, startTestApp, type TestApp } from './harness';

/** wg-quick INI: section name → key → value (one section of each name in a client config). */
function parseWgQuick(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | null = null;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const header = /^\[(\w+)\]$/.exec(trimmed);
    if (header) {
      current = sections[header[1]!] = {};
      continue;
    }
    const [key, ...rest] = trimmed.split('=');
    if (!current || key === undefined) throw new Error(`unexpected line ${line}`);
    current[key.trim()] = rest.join('=').trim();
  }
  return sections;
}

/** Buffers a binary response body (supertest only buffers text types by default). */
function binary(res: Response & { body: unknown }, callback: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

describe('peers', () => {
  let t: TestApp;
  let iface: InterfaceBody;
  let otherIface: InterfaceBody;
  let alice: PeerBody;

  beforeAll(async () => {
    t = await startTestApp();
    await createHost(t, { name: 'h1', publicAddress: '198.51.100.1' });
    iface = await createInterface(t, { dns: ['1.1.1.1'], defaultBandwidth: { downloadKbit: 8000, uploadKbit: 4000 } });
    const h2 = await createHost(t, { name: 'h2', publicAddress: '198.51.100.2' });
    otherIface = await createInterface(t, { hostId: h2.id });
  });
  afterAll(async () => {
    await t?.close();
  });

  const peers = (query: Record<string, string | number>): Promise<Page<PeerBody>> =>
    t
      .http()
      .get(api('/peers'))
      .query(query)
      .set(t.auth())
      .expect(200)
      .then((r) => r.body as Page<PeerBody>);

  it('creates a peer with a generated key pair, the next free address and the interface default bandwidth', async () => {
    const res = await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ name: 'alice', externalId: 'svc-1', metadata: { plan: 'basic' } });
    expect(res.status).toBe(201);
    alice = res.body as PeerBody;
    expect(alice).toEqual({
      id: expect.stringMatching(UUID_RE),
      interfaceId: iface.id,
      hostId: iface.hostId,
      name: 'alice',
      address: '10.8.0.2',
      publicKey: expect.stringMatching(WG_KEY_RE),
      hasPrivateKey: true,
      hasPresharedKey: false,
      allowedIps: ['10.8.0.2/32'],
      bandwidth: { downloadKbit: 8000, uploadKbit: 4000 },
      bandwidthIsDefault: true,
      enabled: true,
      suspension: null,
      expiresAt: null,
      quotaBytes: null,
      externalId: 'svc-1',
      metadata: { plan: 'basic' },
      status: { online: false, lastHandshakeAt: null, endpoint: null, rxBytes: 0, txBytes: 0 },
      createdAt: expect.stringMatching(ISO_RE),
      updatedAt: expect.stringMatching(ISO_RE),
      revision: Number(res.headers['x-wgfleet-revision']),
    });
    expect(alice).not.toHaveProperty('privateKey');
  });

  it('names an unnamed peer after its address, and takes a given address, key and settings', async () => {
    const unnamed = await createPeer(t, iface.id);
    expect(unnamed).toMatchObject({ name: 'peer-10-8-0-3', address: '10.8.0.3' });

    const own = generateKeyPair();
    const bob = await createPeer(t, iface.id, {
      name: 'bob',
      address: '10.8.0.100',
      publicKey: own.publicKey,
      presharedKey: 'generate',
      allowedIps: ['192.168.50.0/24'],
      bandwidth: { downloadKbit: 1000, uploadKbit: 0 },
      expiresAt: '2099-01-01T00:00:00Z',
      quotaBytes: 5_000_000_000,
      enabled: false,
    });
    expect(bob).toMatchObject({
      address: '10.8.0.100',
      publicKey: own.publicKey,
      hasPrivateKey: false,
      hasPresharedKey: true,
      allowedIps: ['10.8.0.100/32', '192.168.50.0/24'],
      bandwidth: { downloadKbit: 1000, uploadKbit: 0 },
      bandwidthIsDefault: false,
      expiresAt: '2099-01-01T00:00:00.000Z',
      quotaBytes: 5_000_000_000,
      enabled: false,
      suspension: { reason: 'disabled', message: null, at: expect.stringMatching(ISO_RE) },
    });
  });

  it('answers 409 for a taken address, name or public key, and 400 for addresses outside the subnet', async () => {
    const taken = expectError(await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ address: '10.8.0.2' }), 409, 'ADDRESS_IN_USE');
    expect(taken.message).toContain('alice');
    expect(taken.details[0]?.field).toBe('address');
    expectError(await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ address: '10.8.0.1' }), 409, 'ADDRESS_IN_USE');
    expectError(await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ name: 'alice' }), 409, 'NAME_TAKEN');
    expectError(await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ publicKey: alice.publicKey }), 409, 'PUBLIC_KEY_IN_USE');
    expectInvalid(await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ address: '10.8.0.0' }), 'address');
    expectInvalid(await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ address: '10.8.0.255' }), 'address');
    expectInvalid(await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ address: '10.9.0.5' }), 'address');
    expectError(await t.http().post(api(`/interfaces/${UNKNOWN_ID}/peers`)).set(t.auth()).send({}), 404, 'NOT_FOUND');
    // The same key and address are fine on another interface.
    expect(await createPeer(t, otherIface.id, { name: 'alice', publicKey: alice.publicKey, address: '10.8.0.2' })).toMatchObject({ address: '10.8.0.2' });
    expect(await countRows(t, 'peers', 'interface_id = $1', [iface.id])).toBe(3);
  });

  it('renders the wg-quick config of a peer with a kept private key', async () => {
    const res = await t.http().get(api(`/peers/${alice.id}/config`)).set(t.auth());
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const config = parseWgQuick(res.text);
    expect(Object.keys(config)).toEqual(['Interface', 'Peer']);
    expect(config.Interface).toMatchObject({ Address: '10.8.0.2/24', DNS: '1.1.1.1', PrivateKey: expect.stringMatching(WG_KEY_RE) });
    expect(publicKeyFromPrivate(config.Interface!.PrivateKey!)).toBe(alice.publicKey);
    expect(config.Peer).toEqual({ PublicKey: iface.publicKey, AllowedIPs: '0.0.0.0/0, ::/0', Endpoint: '198.51.100.1:51820' });
  });

  it('renders a config without private key but with the preshared key for a peer that brought its own key', async () => {
    const psk = generatePresharedKey();
    const own = await createPeer(t, iface.id, { name: 'own-key', publicKey: generateKeyPair().publicKey, presharedKey: psk });
    const text = (await t.http().get(api(`/peers/${own.id}/config`)).set(t.auth()).expect(200)).text;
    const config = parseWgQuick(text);
    expect(config.Interface).not.toHaveProperty('PrivateKey');
    expect(text).toMatch(/^# PrivateKey = /m);
    expect(config.Peer).toMatchObject({ PresharedKey: psk });
  });

  it('encodes the config as a PNG QR code and as SVG', async () => {
    const text = (await t.http().get(api(`/peers/${alice.id}/config`)).set(t.auth())).text;
    const png = await t.http().get(api(`/peers/${alice.id}/config.png`)).set(t.auth()).buffer(true).parse(binary);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    const image = PNG.sync.read(png.body as Buffer);
    const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
    expect(decoded?.data).toBe(text);

    const svg = await t.http().get(api(`/peers/${alice.id}/config.svg`)).set(t.auth()).buffer(true).parse(binary);
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const markup = (svg.body as Buffer).toString('utf8');
    expect(markup).toMatch(/<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(markup).toContain('<path');
    expectError(await t.http().get(api(`/peers/${UNKNOWN_ID}/config.png`)).set(t.auth()), 404);
  });

  it('answers 409 for a config when clients would have no endpoint to dial', async () => {
    const bare = await createHost(t, { name: 'no-address', publicAddress: undefined });
    await t.http().patch(api(`/hosts/${bare.id}`)).set(t.auth()).send({ labels: {} }).expect(200);
    const noEndpointHost = await queryDb<{ id: string }>(t.databaseUrl, `UPDATE hosts SET public_address = NULL WHERE id = $1 RETURNING id`, [bare.id]);
    expect(noEndpointHost).toHaveLength(1);
    const ifaceNoEndpoint = await createInterface(t, { hostId: bare.id });
    const peer = await createPeer(t, ifaceNoEndpoint.id);
    const res = expectError(await t.http().get(api(`/peers/${peer.id}/config`)).set(t.auth()), 409, 'NO_ENDPOINT');
    expect(res.details[0]?.field).toBe('endpoint');
    // An interface endpoint fixes it.
    await t.http().patch(api(`/interfaces/${ifaceNoEndpoint.id}`)).set(t.auth()).send({ endpoint: 'vpn.example.net' }).expect(200);
    const config = parseWgQuick((await t.http().get(api(`/peers/${peer.id}/config`)).set(t.auth()).expect(200)).text);
    expect(config.Peer?.Endpoint).toBe('vpn.example.net:51820');
  });

  it('filters the list by interfaceId, hostId, externalId, enabled and q', async () => {
    const names = (page: Page<PeerBody>): string[] => page.items.map((p) => p.name).sort();
    expect(names(await peers({ interfaceId: iface.id }))).toEqual(['alice', 'bob', 'own-key', 'peer-10-8-0-3']);
    expect(names(await peers({ hostId: otherIface.hostId }))).toEqual(['alice']);
    expect((await peers({ externalId: 'svc-1' })).items.map((p) => p.id)).toEqual([alice.id]);
    expect(names(await peers({ interfaceId: iface.id, enabled: 'false' }))).toEqual(['bob']);
    expect(names(await peers({ interfaceId: iface.id, enabled: 'true' }))).toEqual(['alice', 'own-key', 'peer-10-8-0-3']);
    expect(names(await peers({ q: 'ALI' }))).toEqual(['alice', 'alice']);
    expect((await peers({ q: '10.8.0.100' })).items.map((p) => p.name)).toEqual(['bob']);
    expect((await peers({ q: '%' })).items).toEqual([]); // LIKE wildcards are literal
    expect(await peers({ externalId: 'nobody' })).toEqual({ items: [], nextCursor: null });
  });

  it('pages through peers with cursors: no duplicates, no gaps', async () => {
    const paged = await createInterface(t, { address: '10.77.0.1/24' });
    const created: string[] = [];
    for (let i = 0; i < 23; i++) created.push((await createPeer(t, paged.id, { name: `p${String(i).padStart(2, '0')}` })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page<PeerBody> = await peers(cursor ? { interfaceId: paged.id, limit: 5, cursor } : { interfaceId: paged.id, limit: 5 });
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual(created); // creation order, each exactly once
    expect(new Set(seen).size).toBe(23);
    // A peer created while paging appears on a later page, not in an earlier one.
    const firstPage = await peers({ interfaceId: paged.id, limit: 20 });
    const late = await createPeer(t, paged.id, { name: 'late' });
    const secondPage = await peers({ interfaceId: paged.id, limit: 20, cursor: firstPage.nextCursor! });
    expect(secondPage.items.map((p) => p.id)).toEqual([...created.slice(20), late.id]);
  });

  it('gets one peer with its status from what agents reported', async () => {
    await queryDb(t.databaseUrl, `UPDATE peers SET last_handshake_at = now() - interval '30 seconds', endpoint = '203.0.113.9:41000', rx_bytes = 123, tx_bytes = 456 WHERE id = $1`, [alice.id]);
    const res = await t.http().get(api(`/peers/${alice.id}`)).set(t.auth());
    expect(res.status).toBe(200);
    expect((res.body as PeerBody).status).toEqual({ online: true, lastHandshakeAt: expect.stringMatching(ISO_RE), endpoint: '203.0.113.9:41000', rxBytes: 123, txBytes: 456 });
    await queryDb(t.databaseUrl, `UPDATE peers SET last_handshake_at = now() - interval '1 hour' WHERE id = $1`, [alice.id]);
    expect(((await t.http().get(api(`/peers/${alice.id}`)).set(t.auth())).body as PeerBody).status.online).toBe(false);
    expectError(await t.http().get(api(`/peers/${UNKNOWN_ID}`)).set(t.auth()), 404, 'NOT_FOUND');
  });

  it('patches a peer', async () => {
    const res = await t
      .http()
      .patch(api(`/peers/${alice.id}`))
      .set(t.auth())
      .send({ name: 'alice-2', bandwidth: { downloadKbit: 100, uploadKbit: 50 }, externalId: 'svc-2', metadata: { plan: 'pro' }, quotaBytes: 1e12, address: '10.8.0.50' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'alice-2',
      address: '10.8.0.50',
      allowedIps: ['10.8.0.50/32'],
      bandwidth: { downloadKbit: 100, uploadKbit: 50 },
      bandwidthIsDefault: false,
      externalId: 'svc-2',
      metadata: { plan: 'pro' },
      quotaBytes: 1e12,
      revision: Number(res.headers['x-wgfleet-revision']),
    });
    const back = await t.http().patch(api(`/peers/${alice.id}`)).set(t.auth()).send({ bandwidth: null, externalId: null });
    expect(back.body).toMatchObject({ bandwidth: { downloadKbit: 8000, uploadKbit: 4000 }, bandwidthIsDefault: true, externalId: null });
    expectError(await t.http().patch(api(`/peers/${alice.id}`)).set(t.auth()).send({ name: 'bob' }), 409, 'NAME_TAKEN');
    expectError(await t.http().patch(api(`/peers/${alice.id}`)).set(t.auth()).send({ address: '10.8.0.100' }), 409, 'ADDRESS_IN_USE');
    expectError(await t.http().patch(api(`/peers/${UNKNOWN_ID}`)).set(t.auth()).send({ name: 'x' }), 404);
    // A new public key drops the kept private key: the config can no longer be complete.
    const rekeyed = await t.http().patch(api(`/peers/${alice.id}`)).set(t.auth()).send({ publicKey: generateKeyPair().publicKey });
    expect(rekeyed.body).toMatchObject({ hasPrivateKey: false });
  });

  it('suspends and resumes a peer', async () => {
    const suspended = await t.http().post(api(`/peers/${alice.id}/suspend`)).set(t.auth()).send({ reason: 'invoice #123 unpaid' });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ enabled: false, suspension: { reason: 'manual', message: 'invoice #123 unpaid', at: expect.stringMatching(ISO_RE) }, revision: expect.any(Number) });
    expect((await peers({ enabled: 'false', q: 'alice-2' })).items).toHaveLength(1);

    const resumed = await t.http().post(api(`/peers/${alice.id}/resume`)).set(t.auth());
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ enabled: true, suspension: null });
    expect((suspended.body as PeerBody).revision).toBeLessThan((resumed.body as PeerBody).revision!);

    // A suspend without a body is fine too.
    expect((await t.http().post(api(`/peers/${alice.id}/suspend`)).set(t.auth())).body).toMatchObject({ enabled: false, suspension: { reason: 'manual', message: null } });
    await t.http().post(api(`/peers/${alice.id}/resume`)).set(t.auth()).expect(200);
    expectError(await t.http().post(api(`/peers/${UNKNOWN_ID}/suspend`)).set(t.auth()), 404);
  });

  it('refuses to resume a peer over its quota', async () => {
    const peer = await createPeer(t, iface.id, { name: 'heavy', quotaBytes: 1000 });
    await queryDb(t.databaseUrl, `UPDATE peers SET rx_bytes = 900, tx_bytes = 200, suspended_reason = 'quota', suspended_at = now() WHERE id = $1`, [peer.id]);
    expectError(await t.http().post(api(`/peers/${peer.id}/resume`)).set(t.auth()), 409, 'QUOTA_EXCEEDED');
    await t.http().patch(api(`/peers/${peer.id}`)).set(t.auth()).send({ quotaBytes: 10_000 }).expect(200);
    expect((await t.http().post(api(`/peers/${peer.id}/resume`)).set(t.auth())).body).toMatchObject({ enabled: true });
  });

  it('reports usage: empty until agents report, then rolled up by hour, day and month', async () => {
    const usage = (query: Record<string, string>) => t.http().get(api(`/peers/${alice.id}/usage`)).query(query).set(t.auth());
    expect((await usage({})).body).toEqual({ items: [] });

    await queryDb(
      t.databaseUrl,
      `INSERT INTO peer_usage (peer_id, hour, rx_bytes, tx_bytes) VALUES
         ($1, '2025-01-01T10:00:00Z', 100, 10), ($1, '2025-01-01T11:00:00Z', 200, 20),
         ($1, '2025-01-02T05:00:00Z', 1, 2), ($1, '2025-02-10T00:00:00Z', 5000, 6000)`,
      [alice.id],
    );
    const range = { from: '2025-01-01T00:00:00Z', to: '2025-01-03T00:00:00Z' };
    expect((await usage({ ...range, granularity: 'day' })).body).toEqual({
      items: [
        { start: '2025-01-01T00:00:00.000Z', rxBytes: 300, txBytes: 30 },
        { start: '2025-01-02T00:00:00.000Z', rxBytes: 1, txBytes: 2 },
      ],
    });
    expect((await usage({ ...range, granularity: 'hour' })).body).toEqual({
      items: [
        { start: '2025-01-01T10:00:00.000Z', rxBytes: 100, txBytes: 10 },
        { start: '2025-01-01T11:00:00.000Z', rxBytes: 200, txBytes: 20 },
        { start: '2025-01-02T05:00:00.000Z', rxBytes: 1, txBytes: 2 },
      ],
    });
    expect((await usage({ from: '2025-01-01T00:00:00Z', to: '2025-03-01T00:00:00Z', granularity: 'month' })).body).toEqual({
      items: [
        { start: '2025-01-01T00:00:00.000Z', rxBytes: 301, txBytes: 32 },
        { start: '2025-02-01T00:00:00.000Z', rxBytes: 5000, txBytes: 6000 },
      ],
    });
    // Day is the default granularity; `to` is exclusive.
    expect((await usage({ from: '2025-01-01T00:00:00Z', to: '2025-01-01T11:00:00Z' })).body).toEqual({ items: [{ start: '2025-01-01T00:00:00.000Z', rxBytes: 100, txBytes: 10 }] });
    expectInvalid(await usage({ from: '2025-01-03T00:00:00Z', to: '2025-01-01T00:00:00Z' }), 'from');
    expectInvalid(await usage({ from: '2024-01-01T00:00:00Z', to: '2025-03-01T00:00:00Z', granularity: 'hour' }), 'from');
    expectError(await t.http().get(api(`/peers/${UNKNOWN_ID}/usage`)).set(t.auth()), 404);
  });

  it('deletes a peer, its port forwards and usage with it', async () => {
    const peer = await createPeer(t, iface.id, { name: 'short-lived' });
    await t.http().post(api(`/interfaces/${iface.id}/port-forwards`)).set(t.auth()).send({ protocol: 'udp', port: 9000, peerId: peer.id, targetPort: 9000 }).expect(201);
    const res = await t.http().delete(api(`/peers/${peer.id}`)).set(t.auth());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: peer.id, deleted: true, revision: Number(res.headers['x-wgfleet-revision']) });
    expectError(await t.http().get(api(`/peers/${peer.id}`)).set(t.auth()), 404);
    expect(await countRows(t, 'port_forwards', 'peer_id = $1', [peer.id])).toBe(0);
    expectError(await t.http().delete(api(`/peers/${peer.id}`)).set(t.auth()), 404);
  });
});

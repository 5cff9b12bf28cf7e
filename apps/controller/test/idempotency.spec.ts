import { createHash } from 'node:crypto';
import { parseApiKey } from '@wgfleet/domain';
import Redis from 'ioredis';
import type { Response } from 'supertest';
import { api, countRows, createApiKey, createHost, createInterface, desiredRevision, expectError, expectInvalid, sleep, type ApiKeyBody, type HostBody, type InterfaceBody, type PeerBody } from './fixtures';
import { queryDb, startTestApp, type TestApp } from './harness';

describe('idempotency', () => {
  let t: TestApp;
  let iface: InterfaceBody;

  beforeAll(async () => {
    t = await startTestApp();
    await createHost(t, { name: 'h1', publicAddress: '198.51.100.1' });
    iface = await createInterface(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const createPeerWithKey = (idempotencyKey: string, body: Record<string, unknown>, key?: string) =>
    t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth(key)).set('Idempotency-Key', idempotencyKey).send(body);
  const peersOfInterface = () => countRows(t, 'peers', 'interface_id = $1', [iface.id]);

  it('replays the first successful response for a retry with the same key and body, creating one row', async () => {
    const body = { name: 'alice', bandwidth: { downloadKbit: 1000, uploadKbit: 500 }, metadata: { order: 17 } };
    const first = await createPeerWithKey('create-alice', body);
    expect(first.status).toBe(201);
    const created = first.body as PeerBody;
    const revision = await desiredRevision(t, iface.hostId);
    expect(created.revision).toBe(revision);

    for (let i = 0; i < 2; i++) {
      const retry = await createPeerWithKey('create-alice', body);
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(created);
      expect(retry.headers['x-wgfleet-revision']).toBe(first.headers['x-wgfleet-revision']);
      expect(retry.headers['content-type']).toMatch(/^application\/json/);
    }
    expect(await countRows(t, 'peers', `name = 'alice'`)).toBe(1);
    // The retries wrote nothing: no new revision, no second audit event.
    expect(await desiredRevision(t, iface.hostId)).toBe(revision);
    expect(await countRows(t, 'audit_events', `action = 'peer.create' AND resource_id = $1`, [created.id])).toBe(1);
  });

  it('answers 422 with the error body for the same key with another body or another endpoint, and changes nothing', async () => {
    const peers = await peersOfInterface();
    const revision = await desiredRevision(t, iface.hostId);
    const other = expectError(await createPeerWithKey('create-alice', { name: 'mallory' }), 422);
    expect(other.message.length).toBeGreaterThan(0);
    expectError(await createPeerWithKey('create-alice', { name: 'alice', bandwidth: { downloadKbit: 1000, uploadKbit: 501 }, metadata: { order: 17 } }), 422);
    expectError(await t.http().post(api('/hosts')).set(t.auth()).set('Idempotency-Key', 'create-alice').send({ name: 'alice-host', kind: 'linux' }), 422);
    expect(await peersOfInterface()).toBe(peers);
    expect(await countRows(t, 'hosts', `name = 'alice-host'`)).toBe(0);
    expect(await desiredRevision(t, iface.hostId)).toBe(revision);
    // The stored response is still the first one.
    expect((await createPeerWithKey('create-alice', { name: 'alice', bandwidth: { downloadKbit: 1000, uploadKbit: 500 }, metadata: { order: 17 } })).status).toBe(201);
  });

  it('stores nothing for a failed request, so a retry with the same key can succeed', async () => {
    const blocker = (await createPeerWithKey('create-bob', { name: 'bob', address: '10.8.0.50' }).expect(201)).body as PeerBody;

    const failed = await createPeerWithKey('create-carol', { name: 'carol', address: '10.8.0.50' });
    expectError(failed, 409, 'ADDRESS_IN_USE');
    expect(await countRows(t, 'idempotency_keys', `key = 'create-carol'`)).toBe(0);
    // Retried while the address is still taken: the same answer, computed again.
    expectError(await createPeerWithKey('create-carol', { name: 'carol', address: '10.8.0.50' }), 409, 'ADDRESS_IN_USE');

    await t.http().delete(api(`/peers/${blocker.id}`)).set(t.auth()).expect(200);
    const retried = await createPeerWithKey('create-carol', { name: 'carol', address: '10.8.0.50' });
    expect(retried.status).toBe(201);
    const carol = retried.body as PeerBody;
    expect(carol).toMatchObject({ name: 'carol', address: '10.8.0.50' });
    // ...and from then on it is replayed.
    expect((await createPeerWithKey('create-carol', { name: 'carol', address: '10.8.0.50' })).body).toEqual(carol);
    expect(await countRows(t, 'peers', `name = 'carol'`)).toBe(1);

    // Invalid input stores nothing either; the corrected request may even reuse the key with its new body.
    expectInvalid(await createPeerWithKey('create-dave', { name: 'dave', address: 'nope' }), 'address');
    expect(await countRows(t, 'idempotency_keys', `key = 'create-dave'`)).toBe(0);
    expect((await createPeerWithKey('create-dave', { name: 'dave' })).status).toBe(201);
  });

  it('replays the status of POST actions that answer 200', async () => {
    const peer = (await createPeerWithKey('create-erin', { name: 'erin' }).expect(201)).body as PeerBody;
    const suspend = () => t.http().post(api(`/peers/${peer.id}/suspend`)).set(t.auth()).set('Idempotency-Key', `suspend-${peer.id}`).send({ reason: 'unpaid' });
    const first = await suspend();
    expect(first.status).toBe(200);
    expect((first.body as PeerBody).suspension).toMatchObject({ message: 'unpaid' });
    const revision = await desiredRevision(t, iface.hostId);
    const replay = await suspend();
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(await desiredRevision(t, iface.hostId)).toBe(revision);
  });

  it('scopes keys per API key: another key with the same Idempotency-Key gets its own resource', async () => {
    const otherKey = (await createApiKey(t, { role: 'operator' })).key;
    const before = await peersOfInterface();
    const mine = await createPeerWithKey('order-42', { metadata: { order: 42 } });
    const theirs = await createPeerWithKey('order-42', { metadata: { order: 42 } }, otherKey);
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect((theirs.body as PeerBody).id).not.toBe((mine.body as PeerBody).id);
    expect(await peersOfInterface()).toBe(before + 2);
    // Each key replays its own response.
    expect((await createPeerWithKey('order-42', { metadata: { order: 42 } })).body).toEqual(mine.body);
    expect((await createPeerWithKey('order-42', { metadata: { order: 42 } }, otherKey)).body).toEqual(theirs.body);
    expect(await peersOfInterface()).toBe(before + 2);
    const rows = await queryDb<{ credential_id: string }>(t.databaseUrl, `SELECT credential_id FROM idempotency_keys WHERE key = 'order-42' ORDER BY created_at`);
    expect(rows.map((r) => r.credential_id)).toEqual([parseApiKey(t.adminKey)!.id, parseApiKey(otherKey)!.id]);
  });

  it("shares the scope between a key and its OAuth access tokens (they are the same client)", async () => {
    const key = await createApiKey(t, { role: 'operator' });
    const first = await createPeerWithKey('via-token', { metadata: { order: 43 } }, key.key);
    expect(first.status).toBe(201);
    const tokenRes = await t.http().post('/oauth/token').type('form').send({ grant_type: 'client_credentials', client_id: key.id, client_secret: parseApiKey(key.key)!.secret });
    const accessToken = (tokenRes.body as { access_token: string }).access_token;
    const viaToken = await createPeerWithKey('via-token', { metadata: { order: 43 } }, accessToken);
    expect(viaToken.status).toBe(201);
    expect(viaToken.body).toEqual(first.body);
  });

  it('creates only one resource for concurrent identical requests with the same key', async () => {
    const before = await peersOfInterface();
    // Without the key, each of these would create a peer (name and address are allocated).
    const responses: Response[] = await Promise.all(Array.from({ length: 6 }, () => createPeerWithKey('race', { metadata: { order: 'race' } })));
    const created = responses.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    const ids = new Set(created.map((r) => (r.body as PeerBody).id));
    expect(ids.size).toBe(1);
    // A request that arrives while the first is still running is told to retry shortly.
    for (const r of responses.filter((res) => res.status !== 201)) {
      expectError(r, 409, 'IDEMPOTENCY_IN_PROGRESS');
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(await peersOfInterface()).toBe(before + 1);
    // Once it finished, every retry gets its response.
    const retry = await createPeerWithKey('race', { metadata: { order: 'race' } });
    expect(retry.status).toBe(201);
    expect((retry.body as PeerBody).id).toBe([...ids][0]);
    expect(await peersOfInterface()).toBe(before + 1);
  });

  it('treats a request held by ?wait=applied as still running, however long it may legitimately take', async () => {
    const before = await peersOfInterface();
    const body = { metadata: { order: 'held' } };
    const send = () => t.http().post(api(`/interfaces/${iface.id}/peers`)).query({ wait: 'applied', timeout: '60s' }).set(t.auth()).set('Idempotency-Key', 'held').send(body);
    // No agent acknowledges, so the first request holds its (committed) response.
    const first = send().then((r) => r);
    let claimed = false;
    for (let i = 0; i < 200 && !claimed; i++) {
      claimed = (await peersOfInterface()) === before + 1 && (await countRows(t, 'idempotency_keys', `key = 'held' AND status_code IS NULL`)) === 1;
      if (!claimed) await sleep(50);
    }
    expect(claimed).toBe(true);
    // As if it had been held for the whole 60 s the API allows (plus the write itself).
    await queryDb(t.databaseUrl, `UPDATE idempotency_keys SET created_at = now() - interval '61 seconds' WHERE key = 'held'`);
    const retry = await send();
    expectError(retry, 409, 'IDEMPOTENCY_IN_PROGRESS');
    expect(await peersOfInterface()).toBe(before + 1);

    // The host acknowledges (as an agent would through any replica): the first request answers.
    const [row] = await queryDb<{ desired: string }>(t.databaseUrl, `UPDATE hosts SET applied_revision = desired_revision WHERE id = $1 RETURNING desired_revision::text AS desired`, [iface.hostId]);
    const redis = new Redis(t.config.redis.url);
    try {
      await redis.publish(`${t.config.redis.prefix}:host-applied`, JSON.stringify({ hostId: iface.hostId, revision: Number(row!.desired) }));
    } finally {
      redis.disconnect();
    }
    const answered = await first;
    expect(answered.status).toBe(201);
    expect(answered.body).toMatchObject({ applied: true });
    const replay = await send();
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(answered.body);
    expect(await peersOfInterface()).toBe(before + 1);
  });

  it('lets exactly one of several concurrent retries take over a key whose first request died', async () => {
    const before = await peersOfInterface();
    const body = { metadata: { order: 'orphan' } };
    // The row a first request leaves when its process dies after claiming the key (same hash as the interceptor's).
    const hash = createHash('sha256').update(`POST ${api(`/interfaces/${iface.id}/peers`)}\n${JSON.stringify(body)}`).digest('hex');
    await queryDb(t.databaseUrl, `INSERT INTO idempotency_keys (credential_id, key, request_hash, created_at) VALUES ($1, 'orphan', $2, now() - interval '10 minutes')`, [
      parseApiKey(t.adminKey)!.id,
      hash,
    ]);
    const responses: Response[] = await Promise.all(Array.from({ length: 12 }, () => createPeerWithKey('orphan', body)));
    const created = responses.filter((r) => r.status === 201);
    // The others were told to retry, or (arriving after it finished) got its response replayed.
    expect(new Set(created.map((r) => (r.body as PeerBody).id)).size).toBe(1);
    expect(created.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    for (const r of responses.filter((res) => res.status !== 201)) expectError(r, 409, 'IDEMPOTENCY_IN_PROGRESS');
    expect(await peersOfInterface()).toBe(before + 1);
  });

  it('forgets a key after 24 hours', async () => {
    const first = await createPeerWithKey('yesterday', { metadata: { order: 'old' } });
    expect(first.status).toBe(201);
    await queryDb(t.databaseUrl, `UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 minute' WHERE key = 'yesterday'`);
    // Another body is no longer a conflict: the key is free again.
    const again = await createPeerWithKey('yesterday', { metadata: { order: 'new' } });
    expect(again.status).toBe(201);
    expect((again.body as PeerBody).id).not.toBe((first.body as PeerBody).id);
    expect(await countRows(t, 'idempotency_keys', `key = 'yesterday'`)).toBe(1);
  });

  it('keeps secrets of replayable responses out of the database in plaintext', async () => {
    const send = () => t.http().post(api('/api-keys')).set(t.auth()).set('Idempotency-Key', 'new-panel-key').send({ name: 'panel', role: 'operator' });
    const first = await send();
    expect(first.status).toBe(201);
    const created = first.body as ApiKeyBody & { key: string };
    const replay = await send();
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(created);
    expect(await countRows(t, 'api_keys', `name = 'panel'`)).toBe(1);
    // The replayed key works, and is the only one.
    await t.http().get(api('/hosts')).set(t.auth(created.key)).expect(200);

    const host = await t.http().post(api('/hosts')).set(t.auth()).set('Idempotency-Key', 'new-host').send({ name: 'h-secret', kind: 'linux' });
    expect(host.status).toBe(201);
    const enrollment = (host.body as HostBody).enrollmentToken!.token;
    expect((await t.http().post(api('/hosts')).set(t.auth()).set('Idempotency-Key', 'new-host').send({ name: 'h-secret', kind: 'linux' })).body).toEqual(host.body);

    const [dump] = await queryDb<{ text: string }>(t.databaseUrl, `SELECT string_agg(row_to_json(i)::text, '\n') AS text FROM idempotency_keys i`);
    expect(dump!.text).toContain('new-panel-key');
    expect(dump!.text).not.toContain(parseApiKey(created.key)!.secret);
    expect(dump!.text).not.toContain(enrollment);
  });

  it('validates the header and ignores it on methods other than POST', async () => {
    expectInvalid(await createPeerWithKey('k'.repeat(256), { name: 'too-long' }), 'Idempotency-Key');
    expect(await countRows(t, 'peers', `name = 'too-long'`)).toBe(0);

    const peer = (await createPeerWithKey('create-frank', { name: 'frank' }).expect(201)).body as PeerBody;
    const patch = (downloadKbit: number) =>
      t.http().patch(api(`/peers/${peer.id}`)).set(t.auth()).set('Idempotency-Key', 'patch-frank').send({ bandwidth: { downloadKbit, uploadKbit: 0 } });
    expect(((await patch(100)).body as PeerBody).bandwidth.downloadKbit).toBe(100);
    expect(((await patch(200)).body as PeerBody).bandwidth.downloadKbit).toBe(200);
    expect(await countRows(t, 'idempotency_keys', `key = 'patch-frank'`)).toBe(0);
  });
});

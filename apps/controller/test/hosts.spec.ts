import { createHash } from 'node:crypto';
import { api, countRows, createHost, createInterface, expectError, expectInvalid, ISO_RE, UNKNOWN_ID, UUID_RE, type HostBody, type Page } from './fixtures';
import { queryDb, startTestApp, type TestApp } from './harness';

describe('hosts', () => {
  let t: TestApp;
  let first: HostBody;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a linux host with the documented fields and a one-time enrollment token', async () => {
    const before = Date.now();
    const res = await t
      .http()
      .post(api('/hosts'))
      .set(t.auth())
      .send({ name: 'vpn-fra-1', kind: 'linux', publicAddress: '203.0.113.10', labels: { region: 'fra', 'example.com/tier': 'gold' } });
    expect(res.status).toBe(201);
    first = res.body as HostBody;
    expect(first).toEqual({
      id: expect.stringMatching(UUID_RE),
      name: 'vpn-fra-1',
      kind: 'linux',
      publicAddress: '203.0.113.10',
      isDefault: true, // the first host becomes the default
      labels: { region: 'fra', 'example.com/tier': 'gold' },
      routeros: null,
      status: 'pending',
      lastSeenAt: null,
      desiredRevision: 1,
      appliedRevision: 0,
      lastError: null,
      agentVersion: null,
      facts: {},
      createdAt: expect.stringMatching(ISO_RE),
      updatedAt: expect.stringMatching(ISO_RE),
      enrollmentToken: { token: expect.any(String), expiresAt: expect.stringMatching(ISO_RE) },
      revision: 1,
    });
    expect(res.headers['x-wgfleet-revision']).toBe('1');
    const token = first.enrollmentToken!;
    // 24 h by default.
    expect(Date.parse(token.expiresAt) - before).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(Date.parse(token.expiresAt) - before).toBeLessThan(24 * 3600_000 + 60_000);
  });

  it('stores only a SHA-256 hash of the enrollment token and never shows it again', async () => {
    const token = first.enrollmentToken!.token;
    const rows = await queryDb<{ token_hash: string; row: string }>(t.databaseUrl, `SELECT token_hash, row_to_json(e)::text AS row FROM enrollment_tokens e WHERE host_id = $1`, [first.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(rows[0]!.row).not.toContain(token);

    const read = await t.http().get(api(`/hosts/${first.id}`)).set(t.auth());
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('enrollmentToken');
    expect(JSON.stringify(read.body)).not.toContain(token);
  });

  it('issues further enrollment tokens (201 {token, expiresAt}), each stored hashed', async () => {
    const res = await t.http().post(api(`/hosts/${first.id}/enrollment-tokens`)).set(t.auth());
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ token: expect.any(String), expiresAt: expect.stringMatching(ISO_RE) });
    const token = (res.body as { token: string }).token;
    expect(token).not.toBe(first.enrollmentToken!.token);
    expect(await countRows(t, 'enrollment_tokens', 'host_id = $1', [first.id])).toBe(2);
    expect(await countRows(t, 'enrollment_tokens', 'token_hash = $1', [createHash('sha256').update(token).digest('hex')])).toBe(1);
    expectError(await t.http().post(api(`/hosts/${UNKNOWN_ID}/enrollment-tokens`)).set(t.auth()), 404, 'NOT_FOUND');
  });

  it('creates a routeros host without a token and never returns or stores its password in clear', async () => {
    const res = await t
      .http()
      .post(api('/hosts'))
      .set(t.auth())
      .send({ name: 'mikrotik-1', kind: 'routeros', routeros: { apiUrl: 'https://192.0.2.50/rest', username: 'api', password: 's3cret-Passw0rd' } });
    expect(res.status).toBe(201);
    const host = res.body as HostBody;
    expect(host).not.toHaveProperty('enrollmentToken');
    expect(host.isDefault).toBe(false);
    expect(host.routeros).toEqual({ apiUrl: 'https://192.0.2.50/rest', username: 'api', verifyTls: true, timeoutMs: 30000, concurrency: 5 });
    expect(JSON.stringify(host)).not.toContain('s3cret-Passw0rd');
    const [row] = await queryDb<{ routeros: string }>(t.databaseUrl, `SELECT routeros::text FROM hosts WHERE id = $1`, [host.id]);
    expect(row!.routeros).not.toContain('s3cret-Passw0rd');
    expect(await countRows(t, 'enrollment_tokens', 'host_id = $1', [host.id])).toBe(0);
  });

  it('requires routeros settings exactly for routeros hosts', async () => {
    expectInvalid(await t.http().post(api('/hosts')).set(t.auth()).send({ name: 'mt-2', kind: 'routeros' }), 'routeros');
    expectInvalid(
      await t.http().post(api('/hosts')).set(t.auth()).send({ name: 'l-2', kind: 'linux', routeros: { apiUrl: 'https://x.example/rest', username: 'a', password: 'b' } }),
      'routeros',
    );
  });

  it('refuses a duplicate host name with 409', async () => {
    const res = await t.http().post(api('/hosts')).set(t.auth()).send({ name: 'vpn-fra-1', kind: 'linux' });
    const body = expectError(res, 409, 'NAME_TAKEN');
    expect(body.details[0]?.field).toBe('name');
  });

  it('lists hosts in pages with a cursor', async () => {
    await createHost(t, { name: 'vpn-ams-1' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t
        .http()
        .get(api('/hosts'))
        .query(cursor ? { limit: 2, cursor } : { limit: 2 })
        .set(t.auth());
      expect(res.status).toBe(200);
      const page = res.body as Page<HostBody>;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((h) => h.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['vpn-fra-1', 'mikrotik-1', 'vpn-ams-1']);
    const all = (await t.http().get(api('/hosts')).set(t.auth())).body as Page<HostBody>;
    expect(all.nextCursor).toBeNull();
    expect(all.items.every((h) => !('enrollmentToken' in h))).toBe(true);
  });

  it('gets a host by id; unknown and malformed ids are 404', async () => {
    const res = await t.http().get(api(`/hosts/${first.id}`)).set(t.auth());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: first.id, name: 'vpn-fra-1', status: 'pending', desiredRevision: 1, appliedRevision: 0, lastError: null, agentVersion: null });
    expectError(await t.http().get(api(`/hosts/${UNKNOWN_ID}`)).set(t.auth()), 404, 'NOT_FOUND');
    expectError(await t.http().get(api('/hosts/not-a-uuid')).set(t.auth()), 404, 'NOT_FOUND');
  });

  it('patches metadata without a new revision, and the public address with one', async () => {
    const labels = await t.http().patch(api(`/hosts/${first.id}`)).set(t.auth()).send({ labels: { region: 'fra-2' } });
    expect(labels.status).toBe(200);
    expect(labels.body).toMatchObject({ labels: { region: 'fra-2' }, desiredRevision: 1, revision: 1 });

    const address = await t.http().patch(api(`/hosts/${first.id}`)).set(t.auth()).send({ publicAddress: 'vpn.example.com' });
    expect(address.status).toBe(200);
    expect(address.body).toMatchObject({ publicAddress: 'vpn.example.com', desiredRevision: 2, revision: 2 });
    expect(address.headers['x-wgfleet-revision']).toBe('2');
  });

  it('moves the default flag to another host', async () => {
    const other = (await t.http().get(api('/hosts')).set(t.auth())).body as Page<HostBody>;
    const ams = other.items.find((h) => h.name === 'vpn-ams-1')!;
    const res = await t.http().patch(api(`/hosts/${ams.id}`)).set(t.auth()).send({ isDefault: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ isDefault: true });
    expect(((await t.http().get(api(`/hosts/${first.id}`)).set(t.auth())).body as HostBody).isDefault).toBe(false);
    expect(await countRows(t, 'hosts', 'is_default')).toBe(1);
  });

  it('reports the status of a revision', async () => {
    const pending = await t.http().get(api(`/hosts/${first.id}/revisions/2`)).set(t.auth());
    expect(pending.status).toBe(200);
    expect(pending.body).toEqual({ revision: 2, applied: false, appliedAt: null, error: null });

    // What an agent's acknowledgement records.
    await queryDb(t.databaseUrl, `UPDATE hosts SET applied_revision = 2, applied_at = '2030-01-01T00:00:00Z' WHERE id = $1`, [first.id]);
    const applied = await t.http().get(api(`/hosts/${first.id}/revisions/2`)).set(t.auth());
    expect(applied.body).toEqual({ revision: 2, applied: true, appliedAt: '2030-01-01T00:00:00.000Z', error: null });
    expect(((await t.http().get(api(`/hosts/${first.id}`)).set(t.auth())).body as HostBody).appliedRevision).toBe(2);

    await queryDb(t.databaseUrl, `UPDATE host_changes SET error = 'wg: invalid key' WHERE host_id = $1 AND revision = 1`, [first.id]);
    expect((await t.http().get(api(`/hosts/${first.id}/revisions/1`)).set(t.auth())).body).toMatchObject({ revision: 1, error: 'wg: invalid key' });

    expectError(await t.http().get(api(`/hosts/${first.id}/revisions/99`)).set(t.auth()), 404, 'NOT_FOUND');
    expectError(await t.http().get(api(`/hosts/${first.id}/revisions/abc`)).set(t.auth()), 404);
    expectError(await t.http().get(api(`/hosts/${UNKNOWN_ID}/revisions/1`)).set(t.auth()), 404);
  });

  it('refuses to delete a host while it has interfaces (409), then deletes it', async () => {
    const host = await createHost(t, { name: 'to-delete' });
    const iface = await createInterface(t, { hostId: host.id });
    const refused = expectError(await t.http().delete(api(`/hosts/${host.id}`)).set(t.auth()), 409, 'HOST_HAS_INTERFACES');
    expect(refused.message).toMatch(/interface/);
    expect(await countRows(t, 'hosts', 'id = $1', [host.id])).toBe(1);

    await t.http().delete(api(`/interfaces/${iface.id}`)).set(t.auth()).expect(200);
    const deleted = await t.http().delete(api(`/hosts/${host.id}`)).set(t.auth());
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: host.id, deleted: true });
    expectError(await t.http().get(api(`/hosts/${host.id}`)).set(t.auth()), 404);
    expect(await countRows(t, 'enrollment_tokens', 'host_id = $1', [host.id])).toBe(0);
    expectError(await t.http().delete(api(`/hosts/${host.id}`)).set(t.auth()), 404);
  });
});

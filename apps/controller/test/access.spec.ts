import { createHash } from 'node:crypto';
import { generateApiKey, hashApiSecret, parseApiKey } from '@wgfleet/domain';
import { api, countRows, createApiKey, createHost, expectError, expectInvalid, ISO_RE, sleep, type ApiKeyBody, type HostBody, type Page } from './fixtures';
import { queryDb, startTestApp, type TestApp } from './harness';

interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
}

const KEY_RE = /^wgf_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** The secret half of a full key string. */
function secretOf(key: string): string {
  const parts = parseApiKey(key);
  if (!parts) throw new Error(`not an API key: ${key}`);
  return parts.secret;
}

describe('access: API keys, roles and credentials', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const token = (form: Record<string, string>) => t.http().post('/oauth/token').type('form').send(form);

  describe('API keys', () => {
    let created: ApiKeyBody & { key: string };

    it('creates a key and shows the full key once, in the documented shape', async () => {
      const res = await t
        .http()
        .post(api('/api-keys'))
        .set(t.auth())
        .send({ name: 'whmcs-panel', role: 'operator', expiresAt: '2099-01-01T00:00:00Z', allowedCidrs: ['127.0.0.0/8', '2001:db8::/32'] });
      expect(res.status).toBe(201);
      created = res.body as ApiKeyBody & { key: string };
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{16}$/),
        name: 'whmcs-panel',
        role: 'operator',
        expiresAt: '2099-01-01T00:00:00.000Z',
        allowedCidrs: ['127.0.0.0/8', '2001:db8::/32'],
        lastUsedAt: null,
        createdAt: expect.stringMatching(ISO_RE),
        key: expect.stringMatching(KEY_RE),
      });
      expect(KEY_RE.exec(created.key)?.[1]).toBe(created.id);
    });

    it('stores only a hash of the secret: the row holds neither the key nor its secret', async () => {
      const secret = secretOf(created.key);
      const rows = await queryDb<{ secret_hash: string; row: string }>(t.databaseUrl, `SELECT secret_hash, row_to_json(k)::text AS row FROM api_keys k WHERE id = $1`, [created.id]);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
      expect(rows[0]!.row).not.toContain(secret);
      expect(rows[0]!.row).not.toContain(created.key);
      // Nothing else in the database holds it either (audit events, idempotency records...).
      const everywhere = await queryDb<{ dump: string }>(
        t.databaseUrl,
        `SELECT coalesce(string_agg(row_to_json(a)::text, ''), '') || coalesce((SELECT string_agg(row_to_json(i)::text, '') FROM idempotency_keys i), '') AS dump FROM audit_events a`,
      );
      expect(everywhere[0]!.dump).not.toContain(secret);
    });

    it('never shows a secret again when listing', async () => {
      const res = await t.http().get(api('/api-keys')).set(t.auth());
      expect(res.status).toBe(200);
      const page = res.body as Page<ApiKeyBody>;
      expect(page.nextCursor).toBeNull();
      const listed = page.items.find((k) => k.id === created.id);
      expect(listed).toEqual({
        id: created.id,
        name: 'whmcs-panel',
        role: 'operator',
        expiresAt: '2099-01-01T00:00:00.000Z',
        allowedCidrs: ['127.0.0.0/8', '2001:db8::/32'],
        lastUsedAt: null,
        createdAt: created.createdAt,
      });
      // The bootstrap admin key is listed too, and no item carries a key, a secret or a hash.
      expect(page.items.map((k) => k.id)).toContain(parseApiKey(t.adminKey)!.id);
      for (const item of page.items) expect(Object.keys(item).sort()).toEqual(['allowedCidrs', 'createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'role']);
      expect(res.text).not.toContain(secretOf(created.key));
      expect(res.text).not.toContain(secretOf(t.adminKey));
      expect(res.text).not.toContain(hashApiSecret(secretOf(created.key)));
    });

    it('pages the list with limit and cursor', async () => {
      for (let i = 0; i < 3; i++) await createApiKey(t, { role: 'readonly' });
      const total = await countRows(t, 'api_keys');
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: Record<string, string | number> = cursor ? { limit: 2, cursor } : { limit: 2 };
        const page = (await t.http().get(api('/api-keys')).query(query).set(t.auth()).expect(200)).body as Page<ApiKeyBody>;
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((k) => k.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
    });

    it('records when a key was last used', async () => {
      const used = await createApiKey(t, { role: 'readonly' });
      await t.http().get(api('/hosts')).set(t.auth(used.key)).expect(200);
      // Recorded in the background, so look for it for a bounded time.
      let lastUsedAt: string | null = null;
      for (let i = 0; i < 50 && !lastUsedAt; i++) {
        const page = (await t.http().get(api('/api-keys')).query({ limit: 500 }).set(t.auth()).expect(200)).body as Page<ApiKeyBody>;
        lastUsedAt = page.items.find((k) => k.id === used.id)?.lastUsedAt ?? null;
        if (!lastUsedAt) await sleep(100);
      }
      expect(lastUsedAt).toMatch(ISO_RE);
    });

    it('validates the input', async () => {
      expectInvalid(await t.http().post(api('/api-keys')).set(t.auth()).send({ name: 'x', role: 'root' }), 'role');
      expectInvalid(await t.http().post(api('/api-keys')).set(t.auth()).send({ role: 'admin' }), 'name');
      expectInvalid(await t.http().post(api('/api-keys')).set(t.auth()).send({ name: 'x', role: 'admin', allowedCidrs: ['not-a-cidr'] }), 'allowedCidrs');
      expectInvalid(await t.http().post(api('/api-keys')).set(t.auth()).send({ name: 'x', role: 'admin', expiresAt: 'tomorrow' }), 'expiresAt');
      expectInvalid(await t.http().post(api('/api-keys')).set(t.auth()).send({ name: 'x', role: 'admin', expiresAt: '2001-01-01T00:00:00Z' }), 'expiresAt');
      expectInvalid(await t.http().post(api('/api-keys')).set(t.auth()).send({ name: 'x', role: 'admin', key: 'wgf_mine' }), 'key');
      expectError(await t.http().post(api('/api-keys')).set(t.auth()).send({ name: 'whmcs-panel', role: 'readonly' }), 409, 'NAME_TAKEN');
      expectError(await t.http().post(api('/api-keys')).set(t.auth()).set('Content-Type', 'application/json').send('[{"name": "x", "role": "admin"}]'), 400);
      expectInvalid(await t.http().get(api('/api-keys')).query({ limit: 501 }).set(t.auth()), 'limit');
      expectInvalid(await t.http().get(api('/api-keys')).query({ cursor: 'garbage' }).set(t.auth()), 'cursor');
      expect(await countRows(t, 'api_keys', `name = 'x'`)).toBe(0);
    });

    it('deletes a key, which then stops working at once; unknown ids are 404 and a key cannot delete itself', async () => {
      const victim = await createApiKey(t, { role: 'operator' });
      await t.http().get(api('/hosts')).set(t.auth(victim.key)).expect(200);
      const res = await t.http().delete(api(`/api-keys/${victim.id}`)).set(t.auth());
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: victim.id, deleted: true });
      expect(await countRows(t, 'api_keys', 'id = $1', [victim.id])).toBe(0);
      expectError(await t.http().get(api('/hosts')).set(t.auth(victim.key)), 401, 'UNAUTHORIZED');
      expectError(await t.http().delete(api(`/api-keys/${victim.id}`)).set(t.auth()), 404, 'NOT_FOUND');
      expectError(await t.http().delete(api('/api-keys/not-an-id')).set(t.auth()), 404, 'NOT_FOUND');
      expectError(await t.http().delete(api(`/api-keys/${parseApiKey(t.adminKey)!.id}`)).set(t.auth()), 409, 'KEY_IN_USE');
    });
  });

  describe('roles', () => {
    let host: HostBody;
    let operator: string;
    let readonly: string;

    beforeAll(async () => {
      host = await createHost(t, { name: 'roles-host' });
      operator = (await createApiKey(t, { role: 'operator' })).key;
      readonly = (await createApiKey(t, { role: 'readonly' })).key;
    });

    it('lets admin and operator keys write resources', async () => {
      const byOperator = await createHost(t, { name: 'by-operator' }, operator);
      const patched = await t.http().patch(api(`/hosts/${byOperator.id}`)).set(t.auth(operator)).send({ labels: { by: 'operator' } });
      expect(patched.status).toBe(200);
      expect((patched.body as HostBody).labels).toEqual({ by: 'operator' });
      await t.http().delete(api(`/hosts/${byOperator.id}`)).set(t.auth(operator)).expect(200);
      expect(await countRows(t, 'hosts', 'id = $1', [byOperator.id])).toBe(0);
    });

    it('refuses API key management to an operator with 403, and lets it read everything else', async () => {
      expectError(await t.http().get(api('/api-keys')).set(t.auth(operator)), 403, 'FORBIDDEN');
      expectError(await t.http().post(api('/api-keys')).set(t.auth(operator)).send({ name: 'escalate', role: 'admin' }), 403, 'FORBIDDEN');
      expectError(await t.http().delete(api(`/api-keys/${parseApiKey(t.adminKey)!.id}`)).set(t.auth(operator)), 403, 'FORBIDDEN');
      expect(await countRows(t, 'api_keys', `name = 'escalate'`)).toBe(0);
      expect(await countRows(t, 'api_keys', 'id = $1', [parseApiKey(t.adminKey)!.id])).toBe(1);
      await t.http().get(api(`/hosts/${host.id}`)).set(t.auth(operator)).expect(200);
      await t.http().get(api('/audit-events')).set(t.auth(operator)).expect(200);
    });

    it('lets a readonly key read, and refuses every write with 403 and the error body', async () => {
      await t.http().get(api('/hosts')).set(t.auth(readonly)).expect(200);
      await t.http().get(api(`/hosts/${host.id}`)).set(t.auth(readonly)).expect(200);
      await t.http().get(api('/interfaces')).set(t.auth(readonly)).expect(200);
      await t.http().get(api('/peers')).set(t.auth(readonly)).expect(200);
      const before = await countRows(t, 'hosts');
      expectError(await t.http().post(api('/hosts')).set(t.auth(readonly)).send({ name: 'ro', kind: 'linux' }), 403, 'FORBIDDEN');
      expectError(await t.http().patch(api(`/hosts/${host.id}`)).set(t.auth(readonly)).send({ labels: { a: 'b' } }), 403, 'FORBIDDEN');
      expectError(await t.http().delete(api(`/hosts/${host.id}`)).set(t.auth(readonly)), 403, 'FORBIDDEN');
      expectError(await t.http().post(api('/interfaces')).set(t.auth(readonly)).send({}), 403, 'FORBIDDEN');
      expectError(await t.http().post(api(`/hosts/${host.id}/enrollment-tokens`)).set(t.auth(readonly)), 403, 'FORBIDDEN');
      expectError(await t.http().get(api('/api-keys')).set(t.auth(readonly)), 403, 'FORBIDDEN');
      expect(await countRows(t, 'hosts')).toBe(before);
      expect(await countRows(t, 'interfaces')).toBe(0);
      const [row] = await queryDb<{ labels: Record<string, string> }>(t.databaseUrl, `SELECT labels FROM hosts WHERE id = $1`, [host.id]);
      expect(row?.labels).toEqual({});
    });
  });

  describe('bad credentials', () => {
    it('answers 401 with the error body for a missing, malformed, unknown or wrong-secret bearer', async () => {
      const wrongSecret = `wgf_${parseApiKey(t.adminKey)!.id}_${generateApiKey().secret}`;
      const headers: Array<Record<string, string>> = [
        {},
        { Authorization: '' },
        { Authorization: 'Bearer' },
        { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
        { Authorization: `Token ${t.adminKey}` },
        { Authorization: 'Bearer not-a-key' },
        { Authorization: 'Bearer wgf_0123_short' },
        { Authorization: `Bearer ${generateApiKey().key}` }, // well-formed, unknown id
        { Authorization: `Bearer ${wrongSecret}` },
        { Authorization: `Bearer ${t.adminKey}x` },
        { Authorization: 'Bearer wgfat_e30.bm9wZQ' }, // a forged access token
      ];
      for (const header of headers) {
        const res = await t.http().get(api('/hosts')).set(header);
        expect({ header, status: res.status }).toEqual({ header, status: 401 });
        expectError(res, 401, 'UNAUTHORIZED');
        expect(res.text).not.toContain(secretOf(t.adminKey));
      }
      // A write with bad credentials changes nothing.
      expectError(await t.http().post(api('/hosts')).set({ Authorization: `Bearer ${wrongSecret}` }).send({ name: 'nope', kind: 'linux' }), 401);
      expect(await countRows(t, 'hosts', `name = 'nope'`)).toBe(0);
    });

    it('refuses an expired key with 401', async () => {
      const expiring = await createApiKey(t, { role: 'admin', expiresAt: new Date(Date.now() + 3600_000).toISOString() });
      // Expire it before it was ever used (as if an hour had passed).
      await queryDb(t.databaseUrl, `UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiring.id]);
      const res = expectError(await t.http().get(api('/hosts')).set(t.auth(expiring.key)), 401, 'UNAUTHORIZED');
      expect(res.message).toMatch(/expired/i);
      expectError(await token({ grant_type: 'client_credentials', client_id: expiring.id, client_secret: secretOf(expiring.key) }), 401);
    });

    it('refuses a key from a source address outside its allowed CIDRs with 403, and admits one inside', async () => {
      const elsewhere = await createApiKey(t, { role: 'admin', allowedCidrs: ['10.0.0.0/8', '2001:db8::/32'] });
      const local = await createApiKey(t, { role: 'admin', allowedCidrs: ['192.0.2.0/24', '127.0.0.1/32'] });
      const res = expectError(await t.http().get(api('/hosts')).set(t.auth(elsewhere.key)), 403, 'FORBIDDEN');
      expect(res.message).toMatch(/127\.0\.0\.1/);
      expectError(await t.http().post(api('/hosts')).set(t.auth(elsewhere.key)).send({ name: 'from-afar', kind: 'linux' }), 403, 'FORBIDDEN');
      expect(await countRows(t, 'hosts', `name = 'from-afar'`)).toBe(0);
      await t.http().get(api('/hosts')).set(t.auth(local.key)).expect(200);
      await createHost(t, { name: 'from-here' }, local.key);
      // X-Forwarded-For is not trusted unless WGFLEET_TRUST_PROXY is set: it cannot fake the source.
      expectError(await t.http().get(api('/hosts')).set(t.auth(elsewhere.key)).set('X-Forwarded-For', '10.1.2.3'), 403, 'FORBIDDEN');
      // The same rule applies when buying an access token.
      expectError(await token({ grant_type: 'client_credentials', client_id: elsewhere.id, client_secret: secretOf(elsewhere.key) }), 403, 'FORBIDDEN');
      expect((await token({ grant_type: 'client_credentials', client_id: local.id, client_secret: secretOf(local.key) })).status).toBe(200);
    });
  });

  describe('bootstrap admin key', () => {
    it('is registered as an admin key on start and not duplicated when another instance starts with it', async () => {
      const { id } = parseApiKey(t.adminKey)!;
      const rows = await queryDb<{ role: string; secret_hash: string }>(t.databaseUrl, `SELECT role, secret_hash FROM api_keys WHERE id = $1`, [id]);
      expect(rows).toEqual([{ role: 'admin', secret_hash: hashApiSecret(secretOf(t.adminKey)) }]);
      const keysBefore = await countRows(t, 'api_keys');

      const second = await startTestApp({}, { shareWith: t });
      try {
        expect(second.adminKey).toBe(t.adminKey);
        expect(await countRows(t, 'api_keys', 'id = $1', [id])).toBe(1);
        expect(await countRows(t, 'api_keys')).toBe(keysBefore);
        await second.http().get(api('/api-keys')).set(second.auth()).expect(200);
      } finally {
        await second.close();
      }
    });

    it('registers the key of a fresh install so it can create other keys', async () => {
      const bootstrap = generateApiKey();
      const fresh = await startTestApp({ WGFLEET_BOOTSTRAP_ADMIN_KEY: bootstrap.key });
      try {
        // The harness passes its own admin key unless overridden: this app got ours.
        expect(await countRows(fresh, 'api_keys')).toBe(1);
        expect(await countRows(fresh, 'api_keys', `id = $1 AND role = 'admin'`, [bootstrap.id])).toBe(1);
        const res = await fresh.http().post(api('/api-keys')).set(fresh.auth(bootstrap.key)).send({ name: 'first', role: 'operator' });
        expect(res.status).toBe(201);
      } finally {
        await fresh.close();
      }
    });
  });

  describe('OAuth client credentials', () => {
    it('issues a bearer access token for a key id and secret, which works as a Bearer credential', async () => {
      const key = await createApiKey(t, { role: 'admin' });
      const res = await token({ grant_type: 'client_credentials', client_id: key.id, client_secret: secretOf(key.key) });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('no-store'); // RFC 6749 §5.1
      const body = res.body as TokenBody;
      expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
      expect(body.access_token).not.toContain(secretOf(key.key));

      await t.http().get(api('/hosts')).set({ Authorization: `Bearer ${body.access_token}` }).expect(200);
      const created = await t
        .http()
        .post(api('/hosts'))
        .set({ Authorization: `Bearer ${body.access_token}` })
        .send({ name: 'via-token', kind: 'linux' });
      expect(created.status).toBe(201);
      // Writes made with a token are the key's.
      const [event] = await queryDb<{ actor_key_id: string }>(t.databaseUrl, `SELECT actor_key_id FROM audit_events WHERE action = 'host.create' AND resource_id = $1`, [(created.body as HostBody).id]);
      expect(event?.actor_key_id).toBe(key.id);
      // A tampered token is refused.
      const tampered = `${body.access_token.slice(0, -2)}${body.access_token.endsWith('AA') ? 'BB' : 'AA'}`;
      expectError(await t.http().get(api('/hosts')).set({ Authorization: `Bearer ${tampered}` }), 401, 'UNAUTHORIZED');
    });

    it('accepts the whole key as client_secret and a JSON body', async () => {
      const key = await createApiKey(t, { role: 'readonly' });
      const res = await t.http().post('/oauth/token').send({ grant_type: 'client_credentials', client_id: key.id, client_secret: key.key });
      expect(res.status).toBe(200);
      await t.http().get(api('/hosts')).set({ Authorization: `Bearer ${(res.body as TokenBody).access_token}` }).expect(200);
    });

    it('refuses a wrong secret, an unknown client, a wrong grant type and missing fields with the error body', async () => {
      const key = await createApiKey(t, { role: 'admin' });
      expectError(await token({ grant_type: 'client_credentials', client_id: key.id, client_secret: generateApiKey().secret }), 401, 'INVALID_CLIENT');
      expectError(await token({ grant_type: 'client_credentials', client_id: generateApiKey().id, client_secret: secretOf(key.key) }), 401, 'INVALID_CLIENT');
      expectError(await token({ grant_type: 'client_credentials', client_id: 'nonsense', client_secret: 'nonsense' }), 401, 'INVALID_CLIENT');
      const grant = expectError(await token({ grant_type: 'password', client_id: key.id, client_secret: secretOf(key.key) }), 400, 'UNSUPPORTED_GRANT_TYPE');
      expect(grant.details.map((d) => d.field)).toEqual(['grant_type']);
      expectInvalid(await token({ grant_type: 'client_credentials', client_secret: secretOf(key.key) }), 'client_id');
      expectInvalid(await token({ grant_type: 'client_credentials', client_id: key.id }), 'client_secret');
    });

    it('never answers 500 to a malformed token request', async () => {
      const attempts = [
        () => t.http().post('/oauth/token'),
        () => t.http().post('/oauth/token').set('Content-Type', 'text/plain').send('grant_type=client_credentials'),
        () => t.http().post('/oauth/token').set('Content-Type', 'application/json').send('[]'),
        () => t.http().post('/oauth/token').set('Content-Type', 'application/json').send('{"grant_type": ["client_credentials"], "client_id": 1, "client_secret": null}'),
        () => t.http().post('/oauth/token').type('form').send('grant_type=client_credentials&client_id=a&client_id=b&client_secret=c'),
      ];
      for (const attempt of attempts) {
        const res = await attempt();
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expectError(res, res.status);
      }
    });

    it('gives the token the role of its key', async () => {
      const readonly = await createApiKey(t, { role: 'readonly' });
      const operator = await createApiKey(t, { role: 'operator' });
      const ro = ((await token({ grant_type: 'client_credentials', client_id: readonly.id, client_secret: secretOf(readonly.key) }).expect(200)).body as TokenBody).access_token;
      const op = ((await token({ grant_type: 'client_credentials', client_id: operator.id, client_secret: secretOf(operator.key) }).expect(200)).body as TokenBody).access_token;
      await t.http().get(api('/hosts')).set({ Authorization: `Bearer ${ro}` }).expect(200);
      expectError(await t.http().post(api('/hosts')).set({ Authorization: `Bearer ${ro}` }).send({ name: 'ro-token', kind: 'linux' }), 403, 'FORBIDDEN');
      expect(await countRows(t, 'hosts', `name = 'ro-token'`)).toBe(0);
      expect((await t.http().post(api('/hosts')).set({ Authorization: `Bearer ${op}` }).send({ name: 'op-token', kind: 'linux' })).status).toBe(201);
      expectError(await t.http().get(api('/api-keys')).set({ Authorization: `Bearer ${op}` }), 403, 'FORBIDDEN');
    });

    it('stops honouring the tokens of a deleted key, on every replica', async () => {
      const replica = await startTestApp({}, { shareWith: t });
      try {
        const key = await createApiKey(t, { role: 'operator' });
        const access = ((await token({ grant_type: 'client_credentials', client_id: key.id, client_secret: secretOf(key.key) }).expect(200)).body as TokenBody).access_token;
        const bearer = { Authorization: `Bearer ${access}` };
        // Both replicas accept it (and so have the key in their credential caches).
        await t.http().get(api('/hosts')).set(bearer).expect(200);
        await replica.http().get(api('/hosts')).set(bearer).expect(200);
        await replica.http().get(api('/hosts')).set(replica.auth(key.key)).expect(200);

        await t.http().delete(api(`/api-keys/${key.id}`)).set(t.auth()).expect(200);
        expectError(await t.http().get(api('/hosts')).set(bearer), 401, 'UNAUTHORIZED');
        // The other replica hears of the revocation through Redis pub/sub (delivery is
        // asynchronous, so poll for a bounded time rather than assume a latency).
        let status = 0;
        for (let i = 0; i < 100 && status !== 401; i++) {
          status = (await replica.http().get(api('/hosts')).set(bearer)).status;
          if (status !== 401) await sleep(100);
        }
        expect(status).toBe(401);
        expectError(await replica.http().get(api('/hosts')).set(replica.auth(key.key)), 401, 'UNAUTHORIZED');
        expectError(await token({ grant_type: 'client_credentials', client_id: key.id, client_secret: secretOf(key.key) }), 401, 'INVALID_CLIENT');
      } finally {
        await replica.close();
      }
    });
  });
});

describe('access: rate limiting', () => {
  const LIMIT = 4;
  // A day-long window: the fixed window cannot roll over in the middle of the test (except across
  // midnight UTC), so the counts below are exact.
  const env = { WGFLEET_RATE_LIMIT: String(LIMIT), WGFLEET_RATE_LIMIT_WINDOW_SECONDS: '86400' };
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp(env);
    b = await startTestApp(env, { shareWith: a });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('counts requests per credential in Redis, across replicas, and answers 429 with Retry-After', async () => {
    const replicas = [a, b];
    for (let i = 0; i < LIMIT; i++) {
      const app = replicas[i % 2]!;
      const res = await app.http().get(api('/hosts')).set(app.auth());
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe(String(LIMIT));
      expect(res.headers['ratelimit-remaining']).toBe(String(LIMIT - i - 1));
    }
    for (const app of replicas) {
      const res = await app.http().get(api('/hosts')).set(app.auth());
      const body = expectError(res, 429, 'RATE_LIMITED');
      expect(body.message.length).toBeGreaterThan(0);
      const retryAfter = Number(res.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(86400);
    }
    // A limited caller's writes are refused too, and change nothing.
    expectError(await a.http().post(api('/hosts')).set(a.auth()).send({ name: 'limited', kind: 'linux' }), 429, 'RATE_LIMITED');
    expect(await countRows(a, 'hosts')).toBe(0);
  });

  it('keeps separate budgets per credential', async () => {
    const other = generateApiKey();
    await queryDb(a.databaseUrl, `INSERT INTO api_keys (id, name, role, secret_hash) VALUES ($1, 'other', 'readonly', $2)`, [other.id, hashApiSecret(other.secret)]);
    const res = await b.http().get(api('/hosts')).set(b.auth(other.key));
    expect(res.status).toBe(200);
    expect(res.headers['ratelimit-remaining']).toBe(String(LIMIT - 1));
  });

  it('counts unauthenticated attempts per source address, so guessing keys is limited too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push((await a.http().get(api('/hosts')).set({ Authorization: `Bearer ${generateApiKey().key}` })).status);
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(401), 429]);
    const res = await b.http().get(api('/hosts'));
    expectError(res, 429, 'RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});

// Contract tests of the generic "WireGuard API" compatibility surface (seed 001_f04a1be2da38c34d,
// design COMPAT-APIS.md §2): every request example of the seed sent as shown, the response shapes
// and value types, each error the seed names provoked, auth (API key and OAuth client
// credentials), ?version=, rate limits, and that /wg and /api/v1 are one model.
import { generateKeyPair, parseApiKey, publicKeyFromPrivate } from '@wgfleet/domain';
import type { Response } from 'supertest';
import {
  api,
  countRows,
  createApiKey,
  createHost,
  createInterface,
  createPeer,
  desiredRevision,
  expectError,
  ISO_RE,
  UNKNOWN_ID,
  UUID_RE,
  WG_KEY_RE,
  type AuditEventBody,
  type ErrorBody,
  type HostBody,
  type InterfaceBody,
  type Page,
  type PeerBody,
} from './fixtures';
import { queryDb, startTestApp, type TestApp } from './harness';

const INVALID_PUBLIC_KEY = 'Invalid public key provided.';
const IPV4_RE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const CIDR_RE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\/\d{1,2}$/;

type CreatedPeer = PeerBody & { privateKey: string | null; revision: number };
type Tunnel = InterfaceBody & { peers: PeerBody[] };
interface AddedToTunnel {
  success: true;
  message: string;
  peer: CreatedPeer;
  revision: number;
}

/** `body` without the fields only a write response carries (or only the /wg create shows). */
function withoutWriteFields<T extends object>(body: T): Omit<T, 'privateKey' | 'revision' | 'applied'> {
  const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const key of ['privateKey', 'revision', 'applied']) delete copy[key];
  return copy as Omit<T, 'privateKey' | 'revision' | 'applied'>;
}

/** Matches null or a value of `type` (nullable fields in list items). */
function nullOr(type: 'string' | 'number' | 'object'): unknown {
  return { asymmetricMatch: (v: unknown) => v === null || typeof v === type, toAsymmetricMatcher: () => `nullOr(${type})` };
}

/** Audit events of a resource, oldest first (the API lists newest first). */
async function auditOf(t: TestApp, resourceId: string): Promise<AuditEventBody[]> {
  const res = await t.http().get(api('/audit-events')).query({ resourceId }).set(t.auth());
  expect(res.status).toBe(200);
  return [...(res.body as Page<AuditEventBody>).items].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
}

/** A peer as both surfaces return it: every field with its value type (overrides pin values). */
function peerShape(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: expect.stringMatching(UUID_RE),
    interfaceId: expect.stringMatching(UUID_RE),
    hostId: expect.stringMatching(UUID_RE),
    name: expect.any(String),
    address: expect.stringMatching(IPV4_RE),
    publicKey: expect.stringMatching(WG_KEY_RE),
    hasPrivateKey: expect.any(Boolean),
    hasPresharedKey: false,
    allowedIps: [expect.stringMatching(CIDR_RE)],
    bandwidth: { downloadKbit: expect.any(Number), uploadKbit: expect.any(Number) },
    bandwidthIsDefault: expect.any(Boolean),
    enabled: true,
    suspension: null,
    expiresAt: null,
    quotaBytes: null,
    externalId: null,
    metadata: {},
    status: { online: false, lastHandshakeAt: null, endpoint: null, rxBytes: 0, txBytes: 0 },
    createdAt: expect.stringMatching(ISO_RE),
    updatedAt: expect.stringMatching(ISO_RE),
    ...overrides,
  };
}

/** An interface ("tunnel") with every field and its value type. */
function interfaceShape(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: expect.stringMatching(UUID_RE),
    hostId: expect.stringMatching(UUID_RE),
    name: expect.stringMatching(/^wg\d+$/),
    displayName: null,
    address: expect.stringMatching(CIDR_RE),
    listenPort: expect.any(Number),
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
    ...overrides,
  };
}

const STATS_SHAPE = { peers: expect.any(Number), peersOnline: expect.any(Number), rxBytes: expect.any(Number), txBytes: expect.any(Number) };

/** The seed's error body: `"error": true, "status": <code>, "message": <text>` (and the native code/details). */
function expectSeedError(res: Response, status: number, message?: string): ErrorBody {
  const body = expectError(res, status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(body).toMatchObject({ error: true, status });
  if (message !== undefined) expect(body.message).toBe(message);
  return body;
}

async function oauthToken(t: TestApp, key: string): Promise<string> {
  const parts = parseApiKey(key);
  if (!parts) throw new Error('not an API key');
  const res = await t.http().post('/oauth/token').type('form').send(`grant_type=client_credentials&client_id=${parts.id}&client_secret=${encodeURIComponent(parts.secret)}`);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expect.any(Number) });
  return (res.body as { access_token: string }).access_token;
}

describe('generic WireGuard API (seed 001) compatibility surface', () => {
  let t: TestApp;
  let host: HostBody;
  let wg0: InterfaceBody;
  let wg1: InterfaceBody;

  beforeAll(async () => {
    t = await startTestApp();
    host = await createHost(t, { name: 'h1', publicAddress: '198.51.100.1' });
    wg0 = await createInterface(t, {});
    wg1 = await createInterface(t, { defaultBandwidth: { downloadKbit: 8000, uploadKbit: 4000 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('the seed\'s request examples, sent as shown', () => {
    it('Creating a New Peer: POST /peers "public_key": … → the new peer\'s details', async () => {
      const keys = generateKeyPair();
      const before = await desiredRevision(t, host.id);
      const res = await t.http().post('/peers').set(t.auth()).send({ public_key: keys.publicKey });
      expect(res.status).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      // A peer named by its public key alone goes to the default host's first interface; its
      // private key is the client's, so the response cannot show it.
      expect(res.body).toEqual({
        ...peerShape({ interfaceId: wg0.id, hostId: host.id, publicKey: keys.publicKey, hasPrivateKey: false, bandwidthIsDefault: true }),
        privateKey: null,
        revision: before + 1,
      });
      expect(res.headers['x-wgfleet-revision']).toBe(String(before + 1));
    });

    it('Creating a New Peer: the response includes its private key when wgfleet generates the pair', async () => {
      const res = await t.http().post('/peers').set(t.auth()).send({});
      expect(res.status).toBe(201);
      const peer = res.body as CreatedPeer;
      expect(peer).toEqual({ ...peerShape({ interfaceId: wg0.id, hasPrivateKey: true }), privateKey: expect.stringMatching(WG_KEY_RE), revision: expect.any(Number) });
      expect(publicKeyFromPrivate(peer.privateKey ?? '')).toBe(peer.publicKey);
      // It is the private key wgfleet keeps for the config download.
      const config = await t.http().get(api(`/peers/${peer.id}/config`)).set(t.auth());
      expect(config.status).toBe(200);
      expect(config.text).toContain(`PrivateKey = ${peer.privateKey}`);
    });

    it('Creating a New Peer: the same request under /wg (POST /wg/peers and POST /wg/peers/create with interfaceId)', async () => {
      const a = await t.http().post('/wg/peers').set(t.auth()).send({ public_key: generateKeyPair().publicKey });
      expect(a.status).toBe(201);
      expect(a.body).toEqual({ ...peerShape({ interfaceId: wg0.id }), privateKey: null, revision: expect.any(Number) });
      const keys = generateKeyPair();
      const b = await t.http().post('/wg/peers/create').set(t.auth()).send({ public_key: keys.publicKey, interfaceId: wg1.id });
      expect(b.status).toBe(201);
      expect(b.body).toEqual({
        ...peerShape({ interfaceId: wg1.id, publicKey: keys.publicKey, bandwidth: { downloadKbit: 8000, uploadKbit: 4000 }, address: '10.8.1.2', allowedIps: ['10.8.1.2/32'] }),
        privateKey: null,
        revision: expect.any(Number),
      });
    });

    it('Adding a Peer to a Tunnel: POST /tunnels/{id}/peers "public_key": … → a success message', async () => {
      const keys = generateKeyPair();
      const before = await desiredRevision(t, host.id);
      const res = await t.http().post(`/tunnels/${wg1.id}/peers`).set(t.auth()).send({ public_key: keys.publicKey });
      expect(res.status).toBe(201);
      const body = res.body as AddedToTunnel;
      expect(body).toEqual({
        success: true,
        message: expect.stringContaining('added to tunnel'),
        peer: { ...peerShape({ interfaceId: wg1.id, publicKey: keys.publicKey, hasPrivateKey: false }), privateKey: null },
        revision: before + 1,
      });
      const under = await t.http().post(`/wg/tunnels/${wg1.id}/peers`).set(t.auth()).send({ public_key: generateKeyPair().publicKey });
      expect(under.status).toBe(201);
      expect(under.body).toMatchObject({ success: true, peer: { interfaceId: wg1.id } });
      expectSeedError(await t.http().post(`/tunnels/${UNKNOWN_ID}/peers`).set(t.auth()).send({ public_key: generateKeyPair().publicKey }), 404);
    });

    it('Retrieving Tunnel Configuration: GET /tunnels/{id} → its settings, addresses and peers', async () => {
      const res = await t.http().get(`/tunnels/${wg1.id}`).set(t.auth());
      expect(res.status).toBe(200);
      const tunnel = res.body as Tunnel;
      expect(tunnel).toEqual({
        ...interfaceShape({ id: wg1.id, hostId: host.id, name: 'wg1', address: '10.8.1.1/24', listenPort: 51821, defaultBandwidth: { downloadKbit: 8000, uploadKbit: 4000 } }),
        stats: STATS_SHAPE,
        peers: expect.any(Array),
      });
      expect(tunnel.peers.length).toBe(3);
      for (const peer of tunnel.peers) expect(peer).toEqual(peerShape({ interfaceId: wg1.id }));
      expect(tunnel.stats?.peers).toBe(3);
      // The same document under /wg, by both names.
      for (const path of [`/wg/tunnels/${wg1.id}`, `/wg/interfaces/${wg1.id}`]) {
        const again = await t.http().get(path).set(t.auth());
        expect(again.status).toBe(200);
        expect(again.body).toEqual(tunnel);
      }
    });

    it('Error Messages: creating a tunnel with an invalid public key → {"error": true, "status": 400, "message": "Invalid public key provided."}', async () => {
      const before = await countRows(t, 'interfaces');
      expectSeedError(await t.http().post('/wg/interfaces/create').set(t.auth()).send({ public_key: 'base64_encoded_public_key' }), 400, INVALID_PUBLIC_KEY);
      expectSeedError(await t.http().post('/wg/interfaces/create').set(t.auth()).send({ publicKey: 'not-a-key' }), 400, INVALID_PUBLIC_KEY);
      // A well-formed key that is not the private key's.
      const mismatched = { privateKey: generateKeyPair().privateKey, publicKey: generateKeyPair().publicKey };
      const body = expectSeedError(await t.http().post('/wg/interfaces/create').set(t.auth()).send(mismatched), 400, INVALID_PUBLIC_KEY);
      expect(body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'publicKey' }] });
      expect(await countRows(t, 'interfaces')).toBe(before);
    });

    it('Error Messages: the same text for a peer created or edited with an invalid public key', async () => {
      const before = await countRows(t, 'peers');
      expectSeedError(await t.http().post('/peers').set(t.auth()).send({ public_key: 'base64_encoded_public_key' }), 400, INVALID_PUBLIC_KEY);
      expectSeedError(await t.http().post('/wg/peers/create').set(t.auth()).send({ interfaceId: wg0.id, publicKey: 'AAAA' }), 400, INVALID_PUBLIC_KEY);
      expectSeedError(await t.http().post(`/tunnels/${wg0.id}/peers`).set(t.auth()).send({ public_key: 'x'.repeat(44) }), 400, INVALID_PUBLIC_KEY);
      expect(await countRows(t, 'peers')).toBe(before);
      const peer = await createPeer(t, wg0.id, { name: 'keyed' });
      for (const method of ['post', 'put', 'patch'] as const) {
        expectSeedError(await t.http()[method](`/wg/peers/${peer.id}/edit`).set(t.auth()).send({ public_key: 'not base64!' }), 400, INVALID_PUBLIC_KEY);
      }
      // The native surface keeps its own message for the same mistake.
      const native = expectError(await t.http().patch(api(`/peers/${peer.id}`)).set(t.auth()).send({ publicKey: 'not base64!' }), 400, 'VALIDATION_FAILED');
      expect(native.message).not.toBe(INVALID_PUBLIC_KEY);
    });
  });

  describe('the error codes the seed lists', () => {
    it('400 Bad Request: the request is invalid or missing required parameters', async () => {
      const missing = expectSeedError(await t.http().post('/wg/peers/create').set(t.auth()).send({ interfaceId: wg0.id, bandwidth: { downloadKbit: 1000 } }), 400);
      expect(missing.code).toBe('VALIDATION_FAILED');
      expect(new Set(missing.details.map((d) => d.field))).toEqual(new Set(['bandwidth.uploadKbit']));
      const invalid = expectSeedError(await t.http().post('/wg/interfaces/create').set(t.auth()).send({ listenPort: 'fifty' }), 400);
      expect(invalid.details.map((d) => d.field)).toContain('listenPort');
      const unknown = expectSeedError(await t.http().patch(`/wg/peers/${UNKNOWN_ID}/edit`).set(t.auth()).send({ colour: 'red' }), 400);
      expect(unknown.details).toEqual([{ field: 'colour', message: 'unknown field' }]);
      const malformed = await t.http().post('/wg/peers/create').set(t.auth()).set('Content-Type', 'application/json').send('{"public_key": ');
      expect(expectSeedError(malformed, 400).code).toBe('MALFORMED_JSON');
      expectSeedError(await t.http().get('/wg/peers').query({ limit: 0 }).set(t.auth()), 400);
    });

    it('401 Unauthorized: no API key, an invalid one, or an expired one', async () => {
      expectSeedError(await t.http().get('/wg/peers'), 401);
      expectSeedError(await t.http().get('/wg/interfaces').set({ Authorization: 'Bearer wgf_0123456789abcdef_nope' }), 401);
      expectSeedError(await t.http().post('/peers').set({ Authorization: 'Bearer wgfat_forged.token' }).send({}), 401);
      const key = await createApiKey(t, { role: 'admin' });
      await queryDb(t.databaseUrl, `UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = $1`, [key.id]);
      const expired = expectSeedError(await t.http().get('/wg/peers').set(t.auth(key.key)), 401);
      expect(expired.message).toMatch(/expired/);
    });

    it('403 Forbidden: the key may not perform the action', async () => {
      const readonly = await createApiKey(t, { role: 'readonly' });
      const peers = await countRows(t, 'peers');
      expectSeedError(await t.http().post('/wg/peers/create').set(t.auth(readonly.key)).send({ interfaceId: wg0.id }), 403);
      expect(await countRows(t, 'peers')).toBe(peers);
      const elsewhere = await createApiKey(t, { role: 'admin', allowedCidrs: ['203.0.113.0/24'] });
      expectSeedError(await t.http().get('/wg/peers').set(t.auth(elsewhere.key)), 403);
    });

    it('404 Not Found: the requested resource does not exist', async () => {
      for (const id of [UNKNOWN_ID, 'not-a-uuid']) {
        expect(expectSeedError(await t.http().get(`/wg/peers/${id}`).set(t.auth()), 404).message).toBe('Peer not found');
        expectSeedError(await t.http().post(`/wg/peers/${id}/edit`).set(t.auth()).send({ name: 'x' }), 404);
        expectSeedError(await t.http().delete(`/wg/peers/${id}/remove`).set(t.auth()), 404);
        expect(expectSeedError(await t.http().get(`/wg/interfaces/${id}`).set(t.auth()), 404).message).toBe('Interface not found');
        expectSeedError(await t.http().get(`/tunnels/${id}`).set(t.auth()), 404);
        expectSeedError(await t.http().patch(`/wg/interfaces/${id}/edit`).set(t.auth()).send({ mtu: 1420 }), 404);
        expectSeedError(await t.http().post(`/wg/interfaces/${id}/remove`).set(t.auth()), 404);
      }
      expectSeedError(await t.http().post('/wg/peers/create').set(t.auth()).send({ interfaceId: UNKNOWN_ID }), 404);
      expectSeedError(await t.http().get('/wg/nothing').set(t.auth()), 404);
    });
  });

  describe('authentication', () => {
    it('accepts Authorization: Bearer <API key> of an operator key for reads and writes', async () => {
      const operator = await createApiKey(t, { role: 'operator' });
      expect((await t.http().get('/wg/peers').set(t.auth(operator.key))).status).toBe(200);
      const res = await t.http().post('/wg/peers/create').set(t.auth(operator.key)).send({ interfaceId: wg0.id, name: 'by-operator' });
      expect(res.status).toBe(201);
    });

    it('accepts an OAuth 2.0 client-credentials access token from POST /oauth/token', async () => {
      const key = await createApiKey(t, { role: 'operator' });
      const token = await oauthToken(t, key.key);
      const bearer = { Authorization: `Bearer ${token}` };
      expect((await t.http().get('/wg/interfaces').set(bearer)).status).toBe(200);
      const created = await t.http().post('/wg/peers/create').set(bearer).send({ interfaceId: wg0.id, name: 'by-oauth' });
      expect(created.status).toBe(201);
      const id = (created.body as CreatedPeer).id;
      expect((await t.http().patch(`/wg/peers/${id}/edit`).set(bearer).send({ enabled: false })).body).toMatchObject({ id, enabled: false });
      expect((await t.http().delete(`/wg/peers/${id}/remove`).set(bearer)).status).toBe(200);
      // The writes are the key's, in the audit trail.
      const events = await auditOf(t, id);
      expect(events.map((e) => e.action)).toEqual(['peer.create', 'peer.update', 'peer.delete']);
      for (const e of events) expect(e.actor).toEqual({ keyId: key.id, name: key.name });
    });

    it('readonly keys (API key or OAuth token) can read but not write: 403', async () => {
      const readonly = await createApiKey(t, { role: 'readonly' });
      const victim = await createPeer(t, wg0.id, { name: 'victim' });
      for (const bearer of [t.auth(readonly.key), { Authorization: `Bearer ${await oauthToken(t, readonly.key)}` }]) {
        expect((await t.http().get('/wg/peers').set(bearer)).status).toBe(200);
        expect((await t.http().get(`/wg/peers/${victim.id}`).set(bearer)).status).toBe(200);
        expect((await t.http().get(`/tunnels/${wg0.id}`).set(bearer)).status).toBe(200);
        const writes = [
          () => t.http().post('/peers').set(bearer).send({}),
          () => t.http().post('/wg/peers/create').set(bearer).send({ interfaceId: wg0.id }),
          () => t.http().post(`/tunnels/${wg0.id}/peers`).set(bearer).send({}),
          () => t.http().post(`/wg/peers/${victim.id}/edit`).set(bearer).send({ name: 'hacked' }),
          () => t.http().put(`/wg/peers/${victim.id}/edit`).set(bearer).send({ name: 'hacked' }),
          () => t.http().patch(`/wg/peers/${victim.id}/edit`).set(bearer).send({ name: 'hacked' }),
          () => t.http().post(`/wg/peers/${victim.id}/remove`).set(bearer),
          () => t.http().delete(`/wg/peers/${victim.id}/remove`).set(bearer),
          () => t.http().post('/wg/interfaces/create').set(bearer).send({}),
          () => t.http().put(`/wg/interfaces/${wg0.id}/edit`).set(bearer).send({ mtu: 1280 }),
          () => t.http().delete(`/wg/interfaces/${wg0.id}/remove?force=true`).set(bearer),
        ];
        for (const write of writes) expect(expectSeedError(await write(), 403).message).toBe('A readonly key can only read');
      }
      expect((await t.http().get(api(`/peers/${victim.id}`)).set(t.auth())).body).toMatchObject({ name: 'victim' });
      expect((await t.http().get(api(`/interfaces/${wg0.id}`)).set(t.auth())).body).toMatchObject({ mtu: null });
    });
  });

  describe('?version=', () => {
    it('accepts latest and 1.0.0 on every call', async () => {
      for (const version of ['latest', '1.0.0']) {
        expect((await t.http().get('/wg/peers').query({ version }).set(t.auth())).status).toBe(200);
        expect((await t.http().get('/wg/interfaces').query({ version }).set(t.auth())).status).toBe(200);
        expect((await t.http().get(`/wg/interfaces/${wg0.id}`).query({ version }).set(t.auth())).status).toBe(200);
        const created = await t.http().post('/wg/peers/create').query({ version }).set(t.auth()).send({ interfaceId: wg0.id });
        expect(created.status).toBe(201);
        const id = (created.body as CreatedPeer).id;
        expect((await t.http().get(`/wg/peers/${id}`).query({ version }).set(t.auth())).status).toBe(200);
        expect((await t.http().put(`/wg/peers/${id}/edit`).query({ version }).set(t.auth()).send({ quotaBytes: 1000 })).status).toBe(200);
        expect((await t.http().post(`/wg/peers/${id}/remove`).query({ version }).set(t.auth())).status).toBe(200);
      }
      const iface = await t.http().post('/wg/interfaces/create?version=latest').set(t.auth()).send({});
      expect(iface.status).toBe(201);
      expect((await t.http().delete(`/wg/interfaces/${(iface.body as InterfaceBody).id}/remove?version=1.0.0`).set(t.auth())).status).toBe(200);
    });

    it('refuses any other value with a 400, before anything is written', async () => {
      const peers = await countRows(t, 'peers');
      for (const query of ['version=2.0.0', 'version=v1.0.0', 'version=', 'version=LATEST', 'version=latest&version=latest']) {
        const list = expectSeedError(await t.http().get(`/wg/peers?${query}`).set(t.auth()), 400);
        expect(list).toMatchObject({ code: 'UNSUPPORTED_VERSION', details: [{ field: 'version' }] });
        expect(list.message).toMatch(/version=latest or version=1\.0\.0/);
        expectSeedError(await t.http().post(`/wg/peers/create?${query}`).set(t.auth()).send({ interfaceId: wg0.id }), 400);
        expectSeedError(await t.http().get(`/tunnels/${wg0.id}?${query}`).set(t.auth()), 400);
      }
      expect(await countRows(t, 'peers')).toBe(peers);
    });
  });

  describe('the five peer calls', () => {
    let peer: CreatedPeer;

    it('POST /wg/peers/create takes the native body plus interfaceId', async () => {
      const res = await t
        .http()
        .post('/wg/peers/create')
        .set(t.auth())
        .send({ interfaceId: wg0.id, name: 'alice', address: '10.8.0.200', presharedKey: 'generate', allowedIps: ['192.168.50.0/24'], bandwidth: { downloadKbit: 2000, uploadKbit: 1000 }, externalId: 'svc-7', metadata: { plan: 'pro' } });
      expect(res.status).toBe(201);
      peer = res.body as CreatedPeer;
      expect(peer).toEqual({
        ...peerShape({
          interfaceId: wg0.id,
          name: 'alice',
          address: '10.8.0.200',
          hasPrivateKey: true,
          hasPresharedKey: true,
          allowedIps: ['10.8.0.200/32', '192.168.50.0/24'],
          bandwidth: { downloadKbit: 2000, uploadKbit: 1000 },
          bandwidthIsDefault: false,
          externalId: 'svc-7',
          metadata: { plan: 'pro' },
        }),
        privateKey: expect.stringMatching(WG_KEY_RE),
        revision: expect.any(Number),
      });
    });

    it('GET /wg/peers lists peers as native pages, with the native filters', async () => {
      const all = await t.http().get('/wg/peers').set(t.auth());
      expect(all.status).toBe(200);
      const page = all.body as Page<PeerBody>;
      expect(Object.keys(page).sort()).toEqual(['items', 'nextCursor']);
      expect(page.nextCursor).toBeNull();
      for (const item of page.items) expect(item).toEqual(peerShape({ hasPresharedKey: expect.any(Boolean), enabled: expect.any(Boolean), suspension: nullOr('object'), allowedIps: expect.any(Array), externalId: nullOr('string'), metadata: expect.any(Object), quotaBytes: nullOr('number') }));
      expect(page.items.map((p) => p.id)).toContain(peer.id);

      const first = (await t.http().get('/wg/peers').query({ interfaceId: wg1.id, limit: 2 }).set(t.auth()).expect(200)).body as Page<PeerBody>;
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).toEqual(expect.any(String));
      const rest = (await t.http().get('/wg/peers').query({ interfaceId: wg1.id, cursor: first.nextCursor ?? '' }).set(t.auth()).expect(200)).body as Page<PeerBody>;
      expect([...first.items, ...rest.items].every((p) => p.interfaceId === wg1.id)).toBe(true);
      const found = (await t.http().get('/wg/peers').query({ externalId: 'svc-7' }).set(t.auth()).expect(200)).body as Page<PeerBody>;
      expect(found.items.map((p) => p.id)).toEqual([peer.id]);
    });

    it('GET /wg/peers/{id} is the native peer', async () => {
      const res = await t.http().get(`/wg/peers/${peer.id}`).set(t.auth());
      expect(res.status).toBe(200);
      expect(res.body).toEqual(withoutWriteFields(peer));
    });

    it('POST, PUT and PATCH /wg/peers/{id}/edit each update the peer', async () => {
      const post = await t.http().post(`/wg/peers/${peer.id}/edit`).set(t.auth()).send({ name: 'alice-2' });
      expect(post.status).toBe(200);
      expect(post.body).toEqual({ ...peerShape({ id: peer.id, name: 'alice-2', address: '10.8.0.200', hasPrivateKey: true, hasPresharedKey: true, allowedIps: expect.any(Array), bandwidth: expect.any(Object), bandwidthIsDefault: false, externalId: 'svc-7', metadata: { plan: 'pro' } }), revision: peer.revision + 1 });
      const put = await t.http().put(`/wg/peers/${peer.id}/edit`).set(t.auth()).send({ bandwidth: null, quota_bytes: 5000 });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ name: 'alice-2', bandwidth: { downloadKbit: 0, uploadKbit: 0 }, bandwidthIsDefault: true, quotaBytes: 5000, revision: peer.revision + 2 });
      const patch = await t.http().patch(`/wg/peers/${peer.id}/edit`).set(t.auth()).send({ enabled: false });
      expect(patch.status).toBe(200);
      expect(patch.body).toMatchObject({ enabled: false, suspension: { reason: 'disabled', message: null, at: expect.stringMatching(ISO_RE) }, revision: peer.revision + 3 });
      expect(patch.headers['x-wgfleet-revision']).toBe(String(peer.revision + 3));
    });

    it('POST and DELETE /wg/peers/{id}/remove delete the peer', async () => {
      const post = await t.http().post(`/wg/peers/${peer.id}/remove`).set(t.auth());
      expect(post.status).toBe(200);
      expect(post.body).toEqual({ id: peer.id, deleted: true, revision: expect.any(Number) });
      expectSeedError(await t.http().get(`/wg/peers/${peer.id}`).set(t.auth()), 404);
      expectSeedError(await t.http().post(`/wg/peers/${peer.id}/remove`).set(t.auth()), 404);
      const other = await createPeer(t, wg0.id, { name: 'bob' });
      const del = await t.http().delete(`/wg/peers/${other.id}/remove`).set(t.auth());
      expect(del.status).toBe(200);
      expect(del.body).toEqual({ id: other.id, deleted: true, revision: expect.any(Number) });
      expect(await countRows(t, 'peers', 'id = ANY($1)', [[peer.id, other.id]])).toBe(0);
    });
  });

  describe('the five interface calls', () => {
    let created: InterfaceBody;

    it('POST /wg/interfaces/create takes the native body', async () => {
      const keys = generateKeyPair();
      const res = await t
        .http()
        .post('/wg/interfaces/create')
        .set(t.auth())
        .send({ name: 'wg7', displayName: 'Customers', address: '172.16.7.1/24', listenPort: 40007, dns: ['1.1.1.1'], privateKey: keys.privateKey, public_key: keys.publicKey, persistent_keepalive: 25 });
      expect(res.status).toBe(201);
      created = res.body as InterfaceBody;
      expect(created).toEqual({
        ...interfaceShape({ hostId: host.id, name: 'wg7', displayName: 'Customers', address: '172.16.7.1/24', listenPort: 40007, publicKey: keys.publicKey, dns: ['1.1.1.1'], persistentKeepalive: 25 }),
        stats: { peers: 0, peersOnline: 0, rxBytes: 0, txBytes: 0 },
        revision: expect.any(Number),
      });
      expect(JSON.stringify(res.body)).not.toContain(keys.privateKey);
      const conflict = expectSeedError(await t.http().post('/wg/interfaces/create').set(t.auth()).send({ listenPort: 40007 }), 409);
      expect(conflict.code).toBe('PORT_IN_USE');
    });

    it('GET /wg/interfaces lists interfaces as native pages', async () => {
      const res = await t.http().get('/wg/interfaces').set(t.auth());
      expect(res.status).toBe(200);
      const page = res.body as Page<InterfaceBody>;
      expect(Object.keys(page).sort()).toEqual(['items', 'nextCursor']);
      for (const item of page.items) expect(item).toEqual(interfaceShape({ displayName: nullOr('string'), dns: expect.any(Array), mtu: nullOr('number'), persistentKeepalive: nullOr('number'), internalTraffic: expect.any(Boolean), defaultBandwidth: expect.any(Object) }));
      expect(page.items.map((i) => i.id)).toEqual([wg0.id, wg1.id, created.id]);
      const byHost = (await t.http().get('/wg/interfaces').query({ hostId: host.id, limit: 1 }).set(t.auth()).expect(200)).body as Page<InterfaceBody>;
      expect(byHost.items.map((i) => i.id)).toEqual([wg0.id]);
    });

    it('GET /wg/interfaces/{id} is the interface with its peers', async () => {
      const res = await t.http().get(`/wg/interfaces/${created.id}`).set(t.auth());
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...withoutWriteFields(created), peers: [] });
    });

    it('POST, PUT and PATCH /wg/interfaces/{id}/edit each update the interface', async () => {
      const post = await t.http().post(`/wg/interfaces/${created.id}/edit`).set(t.auth()).send({ mtu: 1420 });
      expect(post.status).toBe(200);
      expect(post.body).toEqual({ ...interfaceShape({ id: created.id, name: 'wg7', displayName: 'Customers', address: '172.16.7.1/24', dns: ['1.1.1.1'], persistentKeepalive: 25, mtu: 1420 }), stats: STATS_SHAPE, revision: expect.any(Number) });
      const put = await t.http().put(`/wg/interfaces/${created.id}/edit`).set(t.auth()).send({ default_bandwidth: { download_kbit: 5000, upload_kbit: 2500 } });
      expect(put.body).toMatchObject({ mtu: 1420, defaultBandwidth: { downloadKbit: 5000, uploadKbit: 2500 } });
      const patch = await t.http().patch(`/wg/interfaces/${created.id}/edit`).set(t.auth()).send({ internalTraffic: true });
      expect(patch.body).toMatchObject({ mtu: 1420, internalTraffic: true });
      expect(patch.headers['x-wgfleet-revision']).toEqual(expect.any(String));
      const taken = expectSeedError(await t.http().patch(`/wg/interfaces/${created.id}/edit`).set(t.auth()).send({ name: 'wg0' }), 409);
      expect(taken.code).toBe('NAME_TAKEN');
    });

    it('POST and DELETE /wg/interfaces/{id}/remove delete it (409 while it has peers, unless ?force=true)', async () => {
      await createPeer(t, created.id, { name: 'tenant' });
      const refused = expectSeedError(await t.http().post(`/wg/interfaces/${created.id}/remove`).set(t.auth()), 409);
      expect(refused.code).toBe('INTERFACE_HAS_PEERS');
      const forced = await t.http().post(`/wg/interfaces/${created.id}/remove?force=true`).set(t.auth());
      expect(forced.status).toBe(200);
      expect(forced.body).toEqual({ id: created.id, deleted: true, revision: expect.any(Number) });
      expect(await countRows(t, 'peers', 'interface_id = $1', [created.id])).toBe(0);
      const spare = await createInterface(t, {});
      const del = await t.http().delete(`/wg/interfaces/${spare.id}/remove`).set(t.auth());
      expect(del.status).toBe(200);
      expect(del.body).toEqual({ id: spare.id, deleted: true, revision: expect.any(Number) });
      expectSeedError(await t.http().get(`/wg/interfaces/${spare.id}`).set(t.auth()), 404);
    });
  });

  describe('one model under both surfaces', () => {
    it('a peer created through /wg is visible and editable through /api/v1, and the reverse', async () => {
      const viaWg = (await t.http().post('/wg/peers/create').set(t.auth()).send({ interfaceId: wg0.id, name: 'from-wg' }).expect(201)).body as CreatedPeer;
      const nativeView = await t.http().get(api(`/peers/${viaWg.id}`)).set(t.auth());
      expect(nativeView.body).toEqual(withoutWriteFields(viaWg));
      await t.http().patch(api(`/peers/${viaWg.id}`)).set(t.auth()).send({ externalId: 'edited-natively' }).expect(200);
      expect((await t.http().get(`/wg/peers/${viaWg.id}`).set(t.auth())).body).toMatchObject({ externalId: 'edited-natively' });

      const viaNative = await createPeer(t, wg0.id, { name: 'from-native' });
      const wgView = await t.http().get(`/wg/peers/${viaNative.id}`).set(t.auth());
      expect(wgView.body).toEqual(withoutWriteFields(viaNative));
      await t.http().patch(`/wg/peers/${viaNative.id}/edit`).set(t.auth()).send({ external_id: 'edited-via-wg' }).expect(200);
      expect((await t.http().get(api(`/peers/${viaNative.id}`)).set(t.auth())).body).toMatchObject({ externalId: 'edited-via-wg' });
      await t.http().delete(api(`/peers/${viaWg.id}`)).set(t.auth()).expect(200);
      expectSeedError(await t.http().get(`/wg/peers/${viaWg.id}`).set(t.auth()), 404);
      await t.http().post(`/wg/peers/${viaNative.id}/remove`).set(t.auth()).expect(200);
      expectError(await t.http().get(api(`/peers/${viaNative.id}`)).set(t.auth()), 404, 'NOT_FOUND');
    });

    it('writes through /wg bump the host revision, record host changes and write audit events', async () => {
      const start = await desiredRevision(t, host.id);
      const changes = await countRows(t, 'host_changes', 'host_id = $1', [host.id]);
      const created = await t.http().post('/wg/peers/create').set(t.auth()).send({ interfaceId: wg0.id, name: 'audited' });
      expect(created.body).toMatchObject({ revision: start + 1 });
      const id = (created.body as CreatedPeer).id;
      await t.http().put(`/wg/peers/${id}/edit`).set(t.auth()).send({ name: 'audited-2' }).expect(200);
      await t.http().delete(`/wg/peers/${id}/remove`).set(t.auth()).expect(200);
      expect(await desiredRevision(t, host.id)).toBe(start + 3);
      expect(await countRows(t, 'host_changes', 'host_id = $1', [host.id])).toBeGreaterThan(changes);
      const admin = parseApiKey(t.adminKey);
      const events = await auditOf(t, id);
      expect(events.map((e) => [e.action, e.revision, e.hostId, e.actor.keyId])).toEqual([
        ['peer.create', start + 1, host.id, admin?.id],
        ['peer.update', start + 2, host.id, admin?.id],
        ['peer.delete', start + 3, host.id, admin?.id],
      ]);
      expect(events[0]?.details).toMatchObject({ name: 'audited', interfaceId: wg0.id });

      const iface = (await t.http().post('/wg/interfaces/create').set(t.auth()).send({}).expect(201)).body as InterfaceBody;
      expect(iface.revision).toBe(start + 4);
      const ifaceEvents = await auditOf(t, iface.id);
      expect(ifaceEvents.map((e) => e.action)).toEqual(['interface.create']);
      await t.http().delete(`/wg/interfaces/${iface.id}/remove`).set(t.auth()).expect(200);
    });

    it('the native rules and conflicts apply unchanged', async () => {
      await createPeer(t, wg0.id, { name: 'carol', address: '10.8.0.50' });
      const sameName = await t.http().post('/wg/peers/create').set(t.auth()).send({ interfaceId: wg0.id, name: 'carol' });
      const nativeSameName = await t.http().post(api(`/interfaces/${wg0.id}/peers`)).set(t.auth()).send({ name: 'carol' });
      expect(expectSeedError(sameName, 409)).toEqual(expectError(nativeSameName, 409, 'NAME_TAKEN'));
      const sameAddress = await t.http().post(`/tunnels/${wg0.id}/peers`).set(t.auth()).send({ address: '10.8.0.50' });
      expect(expectSeedError(sameAddress, 409)).toMatchObject({ code: 'ADDRESS_IN_USE', message: "10.8.0.50 is already used by peer 'carol'" });
      const outside = await t.http().post('/wg/peers/create').set(t.auth()).send({ interfaceId: wg0.id, address: '10.9.0.5' });
      const nativeOutside = await t.http().post(api(`/interfaces/${wg0.id}/peers`)).set(t.auth()).send({ address: '10.9.0.5' });
      expect(expectSeedError(outside, 400)).toEqual(expectError(nativeOutside, 400, 'VALIDATION_FAILED'));
      const keys = generateKeyPair();
      await createPeer(t, wg0.id, { publicKey: keys.publicKey });
      expect(expectSeedError(await t.http().post('/peers').set(t.auth()).send({ public_key: keys.publicKey }), 409).code).toBe('PUBLIC_KEY_IN_USE');
    });

    it('Idempotency-Key replays a /wg create like a native one', async () => {
      const send = () => t.http().post('/wg/peers/create').set(t.auth()).set('Idempotency-Key', 'wg-create-1').send({ interfaceId: wg1.id, name: 'once' });
      const first = await send();
      expect(first.status).toBe(201);
      const again = await send();
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await countRows(t, 'peers', 'name = $1', ['once'])).toBe(1);
    });

    it('without interfaceId and without a default interface the create is a 400 naming interfaceId', async () => {
      await queryDb(t.databaseUrl, `UPDATE hosts SET is_default = false`);
      try {
        const res = await t.http().post('/peers').set(t.auth()).send({ public_key: generateKeyPair().publicKey });
        expect(expectSeedError(res, 400).details).toEqual([{ field: 'interfaceId', message: expect.stringContaining('interfaceId is required') }]);
      } finally {
        await queryDb(t.databaseUrl, `UPDATE hosts SET is_default = true WHERE id = $1`, [host.id]);
      }
    });
  });

  describe('documentation', () => {
    it('documents every /wg call in the OpenAPI document, with unique operation ids', async () => {
      const doc = (await t.http().get('/api/openapi.json').expect(200)).body as { paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>> };
      const calls: Array<[string, string]> = [
        ['get', '/wg/peers'],
        ['get', '/wg/peers/{id}'],
        ['post', '/wg/peers/create'],
        ['post', '/wg/peers/{id}/edit'],
        ['put', '/wg/peers/{id}/edit'],
        ['patch', '/wg/peers/{id}/edit'],
        ['post', '/wg/peers/{id}/remove'],
        ['delete', '/wg/peers/{id}/remove'],
        ['get', '/wg/interfaces'],
        ['get', '/wg/interfaces/{id}'],
        ['post', '/wg/interfaces/create'],
        ['post', '/wg/interfaces/{id}/edit'],
        ['put', '/wg/interfaces/{id}/edit'],
        ['patch', '/wg/interfaces/{id}/edit'],
        ['post', '/wg/interfaces/{id}/remove'],
        ['delete', '/wg/interfaces/{id}/remove'],
        ['post', '/peers'],
        ['post', '/tunnels/{id}/peers'],
        ['get', '/tunnels/{id}'],
      ];
      expect(calls.filter(([method, path]) => !doc.paths[path]?.[method]).map(([m, p]) => `${m} ${p}`)).toEqual([]);
      const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
      expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    });
  });

  describe('rate limits', () => {
    it('apply to /wg as natively (429 with Retry-After), counted across replicas', async () => {
      const a = await startTestApp({ WGFLEET_RATE_LIMIT: '3', WGFLEET_RATE_LIMIT_WINDOW_SECONDS: '60' });
      const b = await startTestApp({ WGFLEET_RATE_LIMIT: '3', WGFLEET_RATE_LIMIT_WINDOW_SECONDS: '60' }, { shareWith: a });
      try {
        expect((await a.http().get('/wg/peers').set(a.auth())).status).toBe(200);
        expect((await b.http().get('/wg/interfaces').set(b.auth())).status).toBe(200);
        const third = await a.http().post('/peers').set(a.auth()).send({});
        expect(third.headers['ratelimit-remaining']).toBe('0');
        const limited = await b.http().get('/wg/peers').set(b.auth());
        expectSeedError(limited, 429);
        expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
        expect(expectError(limited, 429, 'RATE_LIMITED').message).toMatch(/Too many requests/);
        // The native API shares the same budget.
        expectError(await a.http().get(api('/peers')).set(a.auth()), 429, 'RATE_LIMITED');
      } finally {
        await b.close();
        await a.close();
      }
    });
  });
});

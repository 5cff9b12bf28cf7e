import { generateKeyPair, generatePresharedKey, parseApiKey } from '@wgfleet/domain';
import { api, countRows, createApiKey, expectError, expectInvalid, ISO_RE, UUID_RE, type ApiKeyBody, type AuditEventBody, type HostBody, type InterfaceBody, type Page, type PeerBody, type PortForwardBody } from './fixtures';
import { startTestApp, type TestApp } from './harness';

const LOCAL_IP = /^(::ffff:)?127\.0\.0\.1$/;

describe('audit events', () => {
  let t: TestApp;
  let auditor: ApiKeyBody & { key: string };
  let host: HostBody;
  let iface: InterfaceBody;
  let peer: PeerBody;
  let forward: PortForwardBody;
  let started: number;
  let finished: number;
  /** Every secret the writes below handled; none may appear in the audit log. */
  const secrets: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    started = Date.now();
    auditor = await createApiKey(t, { name: 'auditor', role: 'operator' });
    secrets.push(auditor.key, parseApiKey(auditor.key)!.secret, t.adminKey, parseApiKey(t.adminKey)!.secret);
    const as = t.auth(auditor.key);

    // Writes by the operator key: hosts, an interface with a given private key, a peer with a
    // preshared key, a port forward, an update, a suspension.
    const created = await t.http().post(api('/hosts')).set(as).send({ name: 'vpn-1', kind: 'linux', publicAddress: '198.51.100.1' });
    expect(created.status).toBe(201);
    host = created.body as HostBody;
    secrets.push(host.enrollmentToken!.token);
    const routeros = await t.http().post(api('/hosts')).set(as).send({ name: 'mt-1', kind: 'routeros', routeros: { apiUrl: 'https://192.0.2.50/rest', username: 'api', password: 'Rou7erOS-pa55word' } });
    expect(routeros.status).toBe(201);
    secrets.push('Rou7erOS-pa55word');
    await t.http().patch(api(`/hosts/${(routeros.body as HostBody).id}`)).set(as).send({ routeros: { apiUrl: 'https://192.0.2.50/rest', username: 'api', password: 'N3w-pa55word' } }).expect(200);
    secrets.push('N3w-pa55word');
    const token = await t.http().post(api(`/hosts/${host.id}/enrollment-tokens`)).set(as);
    expect(token.status).toBe(201);
    secrets.push((token.body as { token: string }).token);

    const ifaceKeys = generateKeyPair();
    secrets.push(ifaceKeys.privateKey);
    iface = (await t.http().post(api('/interfaces')).set(as).send({ hostId: host.id, privateKey: ifaceKeys.privateKey }).expect(201)).body as InterfaceBody;
    const psk = generatePresharedKey();
    secrets.push(psk);
    peer = (await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(as).send({ name: 'alice', presharedKey: psk }).expect(201)).body as PeerBody;
    const config = (await t.http().get(api(`/peers/${peer.id}/config`)).set(as).expect(200)).text;
    secrets.push(/^PrivateKey = (\S+)$/m.exec(config)![1]!);
    await t.http().patch(api(`/peers/${peer.id}`)).set(as).send({ bandwidth: { downloadKbit: 5000, uploadKbit: 1000 }, presharedKey: 'generate' }).expect(200);
    await t.http().post(api(`/peers/${peer.id}/suspend`)).set(as).send({ reason: 'invoice 7 unpaid' }).expect(200);
    forward = (await t.http().post(api(`/interfaces/${iface.id}/port-forwards`)).set(as).send({ protocol: 'tcp', port: 8080, peerId: peer.id, targetPort: 80 }).expect(201)).body as PortForwardBody;

    // A write through an OAuth access token of the same key.
    const oauth = await t.http().post('/oauth/token').type('form').send({ grant_type: 'client_credentials', client_id: auditor.id, client_secret: parseApiKey(auditor.key)!.secret });
    const accessToken = (oauth.body as { access_token: string }).access_token;
    secrets.push(accessToken);
    await t.http().delete(api(`/port-forwards/${forward.id}`)).set({ Authorization: `Bearer ${accessToken}` }).expect(200);
    finished = Date.now();
  });
  afterAll(async () => {
    await t?.close();
  });

  const list = async (query: Record<string, string | number> = {}): Promise<Page<AuditEventBody>> => {
    const res = await t.http().get(api('/audit-events')).query({ limit: 500, ...query }).set(t.auth());
    expect(res.status).toBe(200);
    return res.body as Page<AuditEventBody>;
  };

  it('records who changed what, when and from where, newest first', async () => {
    const page = await list();
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((e) => e.action)).toEqual([
      'port-forward.delete',
      'port-forward.create',
      'peer.suspend',
      'peer.update',
      'peer.create',
      'interface.create',
      'host.enrollment-token.create',
      'host.update',
      'host.create',
      'host.create',
      'api-key.create',
    ]);
    for (const e of page.items) {
      expect(e).toEqual({
        id: expect.stringMatching(UUID_RE),
        createdAt: expect.stringMatching(ISO_RE),
        actor: expect.any(Object),
        sourceIp: expect.stringMatching(LOCAL_IP),
        action: expect.any(String),
        resourceType: expect.any(String),
        resourceId: expect.any(String),
        hostId: e.action === 'api-key.create' ? null : expect.stringMatching(UUID_RE),
        revision: e.revision === null ? null : expect.any(Number),
        details: expect.any(Object),
      });
      expect(Date.parse(e.createdAt)).toBeGreaterThanOrEqual(started - 1000);
      expect(Date.parse(e.createdAt)).toBeLessThanOrEqual(finished + 1000);
    }
    const times = page.items.map((e) => Date.parse(e.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    // Who: the admin created the key; the operator key (directly or through its token) did the rest.
    const [keyEvent, ...rest] = [...page.items].reverse();
    expect(keyEvent).toMatchObject({ actor: { keyId: parseApiKey(t.adminKey)!.id }, resourceType: 'api-key', resourceId: auditor.id, revision: null, details: { name: 'auditor', role: 'operator' } });
    for (const e of rest) expect(e.actor).toEqual({ keyId: auditor.id, name: 'auditor' });
  });

  it('carries the resource and the host revision the write produced', async () => {
    const page = await list();
    const byAction = (action: string) => page.items.find((e) => e.action === action)!;
    const peerCreate = byAction('peer.create');
    expect(peerCreate).toMatchObject({ resourceType: 'peer', resourceId: peer.id, hostId: host.id, revision: peer.revision, details: { name: 'alice', address: peer.address, interfaceId: iface.id } });
    expect(byAction('interface.create')).toMatchObject({ resourceType: 'interface', resourceId: iface.id, hostId: host.id, revision: iface.revision });
    expect(byAction('port-forward.create')).toMatchObject({ resourceType: 'port-forward', resourceId: forward.id, hostId: host.id, revision: forward.revision });
    expect(byAction('host.create')).toMatchObject({ resourceType: 'host', hostId: expect.stringMatching(UUID_RE) });
    expect(page.items.filter((e) => e.action === 'host.create').map((e) => e.resourceId)).toContain(host.id);
    expect(byAction('peer.update')).toMatchObject({ resourceId: peer.id, details: { fields: expect.arrayContaining(['bandwidth', 'presharedKey']) } });
    // Revisions of one host only grow.
    const revisions = page.items.filter((e) => e.hostId === host.id && e.revision !== null).map((e) => e.revision!);
    expect(revisions.length).toBeGreaterThan(3);
    expect([...revisions].sort((a, b) => b - a)).toEqual(revisions);
  });

  it('records nothing for refused or failed writes', async () => {
    const before = await countRows(t, 'audit_events');
    expectError(await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ name: 'alice' }), 409, 'NAME_TAKEN');
    expectInvalid(await t.http().post(api('/hosts')).set(t.auth()).send({ name: 'x', kind: 'windows' }), 'kind');
    const readonly = await createApiKey(t, { role: 'readonly' });
    expectError(await t.http().delete(api(`/peers/${peer.id}`)).set(t.auth(readonly.key)), 403, 'FORBIDDEN');
    expect(await countRows(t, 'audit_events')).toBe(before + 1); // the readonly key's creation only
  });

  it('pages with limit and cursor without gaps or repeats', async () => {
    const all = (await list()).items.map((e) => e.id);
    expect(all.length).toBeGreaterThan(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page<AuditEventBody> = await list(cursor ? { limit: 3, cursor } : { limit: 3 });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 3));
    // Default page size is 50 (fewer events here, so one page).
    const defaults = (await t.http().get(api('/audit-events')).set(t.auth()).expect(200)).body as Page<AuditEventBody>;
    expect(defaults.items.map((e) => e.id)).toEqual(all);

    expectInvalid(await t.http().get(api('/audit-events')).query({ limit: 0 }).set(t.auth()), 'limit');
    expectInvalid(await t.http().get(api('/audit-events')).query({ limit: 501 }).set(t.auth()), 'limit');
    expectInvalid(await t.http().get(api('/audit-events')).query({ limit: 'ten' }).set(t.auth()), 'limit');
    expectInvalid(await t.http().get(api('/audit-events')).query({ cursor: 'garbage' }).set(t.auth()), 'cursor');
    expectInvalid(await t.http().get(api('/audit-events')).query({ cursor: Buffer.from('["2026-01-01T00:00:00Z","x"]').toString('base64url') }).set(t.auth()), 'cursor');
  });

  it('filters by resourceType, resourceId, hostId and action', async () => {
    const actions = (page: Page<AuditEventBody>) => page.items.map((e) => e.action);
    expect(actions(await list({ resourceType: 'peer' }))).toEqual(['peer.suspend', 'peer.update', 'peer.create']);
    expect(actions(await list({ resourceId: forward.id }))).toEqual(['port-forward.delete', 'port-forward.create']);
    expect(actions(await list({ action: 'host.create' }))).toEqual(['host.create', 'host.create']);
    expect(actions(await list({ action: 'host.create', resourceId: host.id }))).toEqual(['host.create']);
    const ofHost = await list({ hostId: host.id });
    expect(ofHost.items.every((e) => e.hostId === host.id)).toBe(true);
    expect(actions(ofHost)).toEqual(['port-forward.delete', 'port-forward.create', 'peer.suspend', 'peer.update', 'peer.create', 'interface.create', 'host.enrollment-token.create', 'host.create']);
    expect((await list({ resourceType: 'nothing' })).items).toEqual([]);
    // Filters combine with paging.
    const first = await list({ hostId: host.id, limit: 5 });
    expect(first.items).toHaveLength(5);
    const second = await list({ hostId: host.id, limit: 5, cursor: first.nextCursor! });
    expect([...actions(first), ...actions(second)]).toEqual(actions(ofHost));
    expect(second.nextCursor).toBeNull();
    expectInvalid(await t.http().get(api('/audit-events')).query({ hostId: 'not-a-uuid' }).set(t.auth()), 'hostId');
    expectInvalid(await t.http().get(api('/audit-events')).query({ actor: 'me' }).set(t.auth()), 'actor');
  });

  it('contains no secret anywhere: no key, token, password or private key', async () => {
    const res = await t.http().get(api('/audit-events')).query({ limit: 500 }).set(t.auth());
    expect(res.status).toBe(200);
    expect(secrets.length).toBeGreaterThanOrEqual(12);
    for (const secret of secrets) expect({ secret, found: res.text.includes(secret) }).toEqual({ secret, found: false });
    expect(res.text).not.toMatch(/wgf_[0-9a-f]{16}_/);
    expect(res.text).not.toMatch(/wgfat_/);
    expect(res.text).not.toMatch(/"(privateKey|presharedKey|password|secret|token|key)"\s*:/i);
  });

  it('requires credentials', async () => {
    expectError(await t.http().get(api('/audit-events')), 401, 'UNAUTHORIZED');
  });
});

describe('audit events behind a reverse proxy', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ WGFLEET_TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('records the client address the proxy forwarded (WGFLEET_TRUST_PROXY=true)', async () => {
    const res = await t.http().post(api('/hosts')).set(t.auth()).set('X-Forwarded-For', '203.0.113.9').send({ name: 'proxied', kind: 'linux' });
    expect(res.status).toBe(201);
    const page = (await t.http().get(api('/audit-events')).query({ resourceId: (res.body as HostBody).id }).set(t.auth()).expect(200)).body as Page<AuditEventBody>;
    expect(page.items).toEqual([expect.objectContaining({ action: 'host.create', sourceIp: '203.0.113.9' })]);
  });
});

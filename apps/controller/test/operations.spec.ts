import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { generateKeyPair, generatePresharedKey, parseApiKey } from '@wgfleet/domain';
import { api, createHost, createInterface, createPeer, expectError, sleep } from './fixtures';
import { startTestApp, type TestApp } from './harness';

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components?: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
}

interface ReadyBody {
  status: string;
  checks: { postgres: string; redis: string };
}

const REDIS_URL = process.env.WGFLEET_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A TCP relay to the real Redis that can be cut and restored: the controller starts normally
 * through it, then loses Redis as it would in an outage.
 */
class RedisRelay {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly clients = new Set<Socket>();
  port = 0;

  /** Client connections currently relayed. */
  get connections(): number {
    return this.clients.size;
  }

  async open(): Promise<void> {
    if (this.server) return;
    const target = new URL(REDIS_URL);
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      this.clients.add(client);
      client.on('close', () => this.clients.delete(client));
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stops accepting and drops every open connection. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.clients.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
}

describe('operations', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers /healthz without credentials', async () => {
    const res = await t.http().get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /readyz 200 when Postgres and Redis are reachable, without credentials', async () => {
    const res = await t.http().get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('serves Prometheus metrics without credentials, including HTTP request metrics', async () => {
    await t.http().get(api('/hosts')).set(t.auth()).expect(200);
    await t.http().get(api('/peers/00000000-0000-4000-8000-000000000000')).set(t.auth()).expect(404);
    const res = await t.http().get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*\bversion=0\.0\.4/);
    const text = res.text;
    expect(text).toMatch(/^# HELP wgfleet_http_request_duration_seconds /m);
    expect(text).toMatch(/^# TYPE wgfleet_http_request_duration_seconds histogram$/m);
    // Labelled by route template (not the raw path with ids) and status.
    expect(text).toMatch(/^wgfleet_http_request_duration_seconds_count\{[^}]*method="GET"[^}]*route="\/api\/v1\/hosts"[^}]*status="200"[^}]*\} [1-9]\d*$/m);
    expect(text).toMatch(/^wgfleet_http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/peers\/:id"[^}]*status="404"[^}]*\} [1-9]\d*$/m);
    expect(text).not.toContain('00000000-0000-4000-8000-000000000000');
    expect(text).toMatch(/^wgfleet_http_request_duration_seconds_bucket\{[^}]*le="\+Inf"[^}]*\} \d+$/m);
    // Process and fleet gauges.
    expect(text).toMatch(/^wgfleet_process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^# TYPE wgfleet_hosts gauge$/m);
    expect(text).toMatch(/^wgfleet_peers\{state="active"\} \d+$/m);
    // Every sample line is Prometheus text format.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?(\d+(\.\d+)?(e[+-]?\d+)?|NaN|\+Inf|-Inf)$/);
    }
  });

  it('serves the OpenAPI 3 document with the documented paths, without credentials', async () => {
    const res = await t.http().get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.body as OpenApiDocument;
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info.title.length).toBeGreaterThan(0);
    const documented: Array<[string, string]> = [
      ['post', '/api/v1/hosts'],
      ['get', '/api/v1/hosts'],
      ['get', '/api/v1/hosts/{id}'],
      ['patch', '/api/v1/hosts/{id}'],
      ['delete', '/api/v1/hosts/{id}'],
      ['post', '/api/v1/hosts/{id}/enrollment-tokens'],
      ['get', '/api/v1/hosts/{id}/revisions/{revision}'],
      ['post', '/api/v1/interfaces'],
      ['get', '/api/v1/interfaces'],
      ['get', '/api/v1/interfaces/{id}'],
      ['patch', '/api/v1/interfaces/{id}'],
      ['delete', '/api/v1/interfaces/{id}'],
      ['get', '/api/v1/interfaces/{id}/available-ips'],
      ['post', '/api/v1/interfaces/{id}/apply-default-bandwidth'],
      ['get', '/api/v1/interfaces/{id}/dataplane'],
      ['post', '/api/v1/interfaces/{id}/peers'],
      ['get', '/api/v1/peers'],
      ['get', '/api/v1/peers/{id}'],
      ['patch', '/api/v1/peers/{id}'],
      ['delete', '/api/v1/peers/{id}'],
      ['post', '/api/v1/peers/{id}/suspend'],
      ['post', '/api/v1/peers/{id}/resume'],
      ['get', '/api/v1/peers/{id}/config'],
      ['get', '/api/v1/peers/{id}/config.png'],
      ['get', '/api/v1/peers/{id}/config.svg'],
      ['get', '/api/v1/peers/{id}/usage'],
      ['post', '/api/v1/interfaces/{id}/port-forwards'],
      ['get', '/api/v1/interfaces/{id}/port-forwards'],
      ['delete', '/api/v1/port-forwards/{id}'],
      ['post', '/api/v1/api-keys'],
      ['get', '/api/v1/api-keys'],
      ['delete', '/api/v1/api-keys/{id}'],
      ['get', '/api/v1/audit-events'],
      ['post', '/oauth/token'],
    ];
    const missing = documented.filter(([method, path]) => !doc.paths[path]?.[method]).map(([method, path]) => `${method.toUpperCase()} ${path}`);
    expect(missing).toEqual([]);
    expect(Object.values(doc.components?.securitySchemes ?? {})).toContainEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  });

  it('serves the interactive docs as HTML without credentials', async () => {
    const res = await t.http().get('/api/docs').redirects(2);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/<html/i);
    expect(res.text).toMatch(/swagger/i);
  });

  it('answers unknown paths with the error body, and never 500 for a malformed request', async () => {
    expectError(await t.http().get('/nothing-here'), 404, 'NOT_FOUND');
    expectError(await t.http().get(api('/nothing-here')).set(t.auth()), 404, 'NOT_FOUND');
    expectError(await t.http().post(api('/hosts')).set(t.auth()).set('Content-Type', 'application/json').send('{"name": '), 400, 'MALFORMED_JSON');
  });
});

describe('operations: structured logs', () => {
  it('writes JSON lines that contain no secrets', async () => {
    const lines: string[] = [];
    // The logger writes JSON lines to stdout: capture them while this app runs.
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
    const secrets: string[] = [];
    let t: TestApp | null = null;
    try {
      t = await startTestApp({ WGFLEET_LOG_LEVEL: 'debug' });
      secrets.push(t.adminKey, parseApiKey(t.adminKey)!.secret);
      const key = await t.http().post(api('/api-keys')).set(t.auth()).send({ name: 'logged', role: 'admin' }).expect(201);
      const apiKey = (key.body as { id: string; key: string }).key;
      secrets.push(apiKey, parseApiKey(apiKey)!.secret);
      const oauth = await t.http().post('/oauth/token').type('form').send({ grant_type: 'client_credentials', client_id: parseApiKey(apiKey)!.id, client_secret: parseApiKey(apiKey)!.secret }).expect(200);
      const accessToken = (oauth.body as { access_token: string }).access_token;
      secrets.push(accessToken);
      // Failed credentials are logged as requests, never with what was sent.
      const wrong = `wgf_${parseApiKey(apiKey)!.id}_${'A'.repeat(43)}`;
      secrets.push('A'.repeat(43));
      await t.http().get(api('/hosts')).set({ Authorization: `Bearer ${wrong}` }).expect(401);
      await t.http().post('/oauth/token').type('form').send({ grant_type: 'client_credentials', client_id: parseApiKey(apiKey)!.id, client_secret: wrong }).expect(401);

      const host = await createHost(t, { name: 'logged-host' }, accessToken);
      secrets.push(host.enrollmentToken!.token);
      await t.http().post(api('/hosts')).set(t.auth()).send({ name: 'mt', kind: 'routeros', routeros: { apiUrl: 'https://192.0.2.50/rest', username: 'api', password: 'L0gged-Pa55word' } }).expect(201);
      secrets.push('L0gged-Pa55word');
      const ifaceKeys = generateKeyPair();
      secrets.push(ifaceKeys.privateKey);
      const iface = await createInterface(t, { hostId: host.id, privateKey: ifaceKeys.privateKey });
      const psk = generatePresharedKey();
      secrets.push(psk);
      const peer = await createPeer(t, iface.id, { presharedKey: psk });
      // Query strings are not logged either.
      await t.http().get(api(`/peers/${peer.id}`)).set(t.auth()).query({ token: 'query-secret-value' });
      secrets.push('query-secret-value');
      const text = (await t.http().get(api(`/peers/${peer.id}/config`)).set(t.auth()).expect(200)).text;
      secrets.push(/^PrivateKey = (\S+)$/m.exec(text)![1]!);
      // A rejected request body is not logged.
      await t.http().post(api('/hosts')).set(t.auth()).send({ name: 'x', kind: 'linux', password: 'B0dy-pa55word' }).expect(400);
      secrets.push('B0dy-pa55word');
    } finally {
      await t?.close();
      spy.mockRestore();
    }

    const records = lines
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // One structured record per request at debug level, with the documented fields.
    const requests = records.filter((r) => r.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(10);
    for (const r of records) {
      expect(r).toMatchObject({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: expect.stringMatching(/^(debug|info|warn|error)$/), msg: expect.any(String) });
    }
    expect(requests).toContainEqual(expect.objectContaining({ method: 'GET', route: '/api/v1/hosts', status: 401 }));
    expect(requests).toContainEqual(expect.objectContaining({ method: 'POST', route: '/oauth/token', status: 200 }));
    const all = lines.join('');
    for (const secret of secrets) expect({ secret, logged: all.includes(secret) }).toEqual({ secret, logged: false });
  });
});

describe('operations: Redis outage', () => {
  const relay = new RedisRelay();
  let t: TestApp;

  beforeAll(async () => {
    await relay.open();
    t = await startTestApp({ WGFLEET_REDIS_URL: relay.url });
  });
  afterAll(async () => {
    await relay.open();
    await t?.close();
    await relay.cut();
  });

  it('answers /readyz 503 while Redis is unreachable, keeps serving Postgres-backed reads, and recovers', async () => {
    await t.http().get('/readyz').expect(200);
    const connections = relay.connections;
    expect(connections).toBeGreaterThan(0);
    await relay.cut();

    const down = await t.http().get('/readyz');
    expect(down.status).toBe(503);
    const body = down.body as ReadyBody;
    expect(body.status).toBe('not ready');
    expect(body.checks.postgres).toBe('ok');
    expect(body.checks.redis).not.toBe('ok');
    await t.http().get('/healthz').expect(200);
    // Postgres is the source of truth: the API still answers (rate limiting fails open).
    await t.http().get(api('/hosts')).set(t.auth()).expect(200);

    await relay.open();
    let status = 0;
    for (let i = 0; i < 150 && status !== 200; i++) {
      status = (await t.http().get('/readyz')).status;
      if (status !== 200) await sleep(100);
    }
    expect(status).toBe(200);
    // Every Redis connection of the app (queue, pub/sub) comes back, each on its own schedule.
    for (let i = 0; i < 300 && relay.connections < connections; i++) await sleep(100);
    expect(relay.connections).toBeGreaterThanOrEqual(connections);
  });
});

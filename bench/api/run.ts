// REST API benchmark (ARCHITECTURE.md goals: create peer ≥ 300 req/s sustained with p99 ≤ 100 ms;
// list page of 100 at 100,000 peers ≤ 20 ms p50). Starts its own controller process on a fresh
// database, drives it over loopback only, prints figures, and removes everything it made.
//   npm run bench:api            (BENCH_RATE=300 BENCH_SECONDS=20 BENCH_PEERS=100000 to change)
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateKeyPair } from '@wgfleet/domain';
import { startControllerProcess } from '@wgfleet/testing';
import { Client } from 'pg';
import { printTable, summarize } from './stats';

const RATE = Number(process.env.BENCH_RATE ?? 300);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PEERS = Number(process.env.BENCH_PEERS ?? 100_000);

async function main(): Promise<void> {
  const controller = await startControllerProcess({
    env: { WGFLEET_RATE_LIMIT: '10000000', WGFLEET_ADDRESS_POOL: '10.0.0.0/8', WGFLEET_INTERFACE_PREFIX: '16' },
  });
  try {
    const api = new Api(controller.url, controller.adminKey);
    const host = await api.post('/api/v1/hosts', { name: 'bench-host', kind: 'linux', publicAddress: '192.0.2.1' });
    const interfaces: string[] = [];
    for (let i = 0; i < 10; i++) interfaces.push((await api.post('/api/v1/interfaces', { hostId: host.id })).id as string);

    process.stdout.write(`wgfleet bench/api — ${new Date().toISOString()}, node ${process.version}, controller in its own process, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    await warmUp(api, interfaces);
    const open = await openLoop(api, interfaces, RATE, SECONDS);
    const closed = await closedLoop(api, interfaces, 32, 10);
    printTable(
      'POST /interfaces/{id}/peers (create peer; 10 interfaces on one host)',
      ['mode', 'offered/s', 'achieved/s', 'ok', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      [
        ['open loop', RATE, open.achieved, open.latency.count, open.errors, open.latency.p50, open.latency.p90, open.latency.p99, open.latency.max],
        ['closed, 32 conc.', '-', closed.achieved, closed.latency.count, closed.errors, closed.latency.p50, closed.latency.p90, closed.latency.p99, closed.latency.max],
      ],
    );
    if (failures.size > 0) process.stdout.write(`  errors by status: ${[...failures].map(([k, v]) => `${k} x${v}`).join(', ')}\n`);
    process.stdout.write(`  goal: >= 300 req/s sustained with p99 <= 100 ms (open-loop latency counts from each request's scheduled start)\n`);

    await seedPeers(controller.databaseUrl, host.id as string, interfaces, PEERS);
    const lists = await listLatency(api, interfaces[0] as string);
    printTable(`GET /peers list pages of 100 with ${PEERS.toLocaleString('en')} peers in the database`, ['query', 'samples', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'], lists);
    process.stdout.write('  goal: list page of 100 at 100,000 peers <= 20 ms p50\n');
  } finally {
    await controller.stop();
  }
}

/** A bare fetch client: the load generator shares the machine, so it stays as cheap as it can. */
class Api {
  constructor(
    private readonly base: string,
    private readonly key: string,
  ) {}

  async post(path: string, body: unknown): Promise<Record<string, unknown>> {
    const res = await this.request('POST', path, body);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  }

  request(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.key}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
}

let peerSeq = 0;
/** Non-201 answers by status ("fetch" for connection failures), printed after the table. */
const failures = new Map<string, number>();

async function createPeer(api: Api, interfaces: string[]): Promise<boolean> {
  const n = peerSeq++;
  const status = await api
    .request('POST', `/api/v1/interfaces/${interfaces[n % interfaces.length]}/peers`, { name: `bench-${n}` })
    .then(async (res) => (await res.arrayBuffer(), String(res.status)), () => 'fetch');
  if (status !== '201') failures.set(status, (failures.get(status) ?? 0) + 1);
  return status === '201';
}

async function warmUp(api: Api, interfaces: string[]): Promise<void> {
  for (let i = 0; i < 200; i++) await createPeer(api, interfaces);
}

/** Requests start on a fixed schedule whatever the server does; latency counts from the schedule. */
async function openLoop(api: Api, interfaces: string[], rate: number, seconds: number) {
  const total = rate * seconds;
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(
      createPeer(api, interfaces).then((ok) => {
        latencies.push(performance.now() - due);
        if (!ok) errors++;
      }),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  return { achieved: Math.round((total - errors) / elapsed), errors, latency: summarize(latencies) };
}

async function closedLoop(api: Api, interfaces: string[], concurrency: number, seconds: number) {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        if (!(await createPeer(api, interfaces))) errors++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { achieved: Math.round((latencies.length - errors) / elapsed), errors, latency: summarize(latencies) };
}

/** Bulk rows straight into Postgres: the list benchmark measures reads, not 100,000 API calls. */
async function seedPeers(databaseUrl: string, hostId: string, interfaces: string[], count: number): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { publicKey } = generateKeyPair();
    const perInterface = Math.ceil(count / interfaces.length);
    for (const [i, interfaceId] of interfaces.entries()) {
      const [{ address }] = (await client.query(`SELECT host(network(address)) AS address FROM interfaces WHERE id = $1`, [interfaceId])).rows as Array<{ address: string }>;
      const existing = Number((await client.query(`SELECT count(*) FROM peers WHERE interface_id = $1`, [interfaceId])).rows[0].count);
      // Addresses from .78.32 (offset 20,000) upward stay clear of the API-created peers; keys only need to be unique.
      await client.query(
        `INSERT INTO peers (interface_id, host_id, name, address, public_key, updated_at)
         SELECT $1, $2, 'seed-' || $4 || '-' || g, $3::inet + 20000 + g, substr(md5($4 || '-' || g) || $5, 1, 43) || '=', now()
           FROM generate_series(1, $6) g`,
        [interfaceId, hostId, address, i, publicKey, Math.max(0, perInterface - existing)],
      );
    }
    await client.query('ANALYZE peers');
  } finally {
    await client.end();
  }
}

async function listLatency(api: Api, interfaceId: string): Promise<Array<Array<string | number>>> {
  const rows: Array<Array<string | number>> = [];
  const measure = async (label: string, path: () => Promise<string>, samples = 200) => {
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const target = await path();
      const t = performance.now();
      const res = await api.request('GET', target);
      await res.arrayBuffer();
      latencies.push(performance.now() - t);
    }
    const s = summarize(latencies);
    rows.push([label, s.count, s.p50, s.p90, s.p99, s.max]);
  };
  await measure('first page', async () => '/api/v1/peers?limit=100');
  const cursors: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 200; i++) {
    const res = await api.request('GET', `/api/v1/peers?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    cursor = ((await res.json()) as { nextCursor: string | null }).nextCursor;
    if (!cursor) break;
    cursors.push(cursor);
  }
  let k = 0;
  await measure('deep pages (cursor)', async () => `/api/v1/peers?limit=100&cursor=${cursors[k++ % cursors.length]}`);
  await measure('one interface', async () => `/api/v1/peers?limit=100&interfaceId=${interfaceId}`);
  return rows;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});

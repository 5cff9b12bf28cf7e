import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { generateApiKey } from '@wgfleet/domain';
import Redis from 'ioredis';
import { Client } from 'pg';

// A real controller process on a fresh database, driven over loopback only: what benchmarks and
// end-to-end tests talk to. It is started from source with the swc require hook, exactly as an
// operator's process runs, and knows nothing about the test that started it.

const ROOT = join(__dirname, '../../..');
const ADMIN_URL = process.env.WGFLEET_TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ControllerProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  /** "127.0.0.1:<port>" of the agents' gRPC listener. */
  grpcAddress: string;
  adminKey: string;
  databaseUrl: string;
  /** The controller's process id (benchmarks read its memory from /proc). */
  pid: number;
  /** Runs one statement on the controller's database (test setup that the API rightly refuses). */
  sql<T>(statement: string, params?: unknown[]): Promise<T[]>;
  /** Authenticated JSON request; resolves with status and parsed body (text when not JSON). */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; text: string }>;
  stop(): Promise<void>;
}

export interface ControllerOptions {
  /** Extra or overriding WGFLEET_* variables. */
  env?: Record<string, string>;
  /** Where the controller's stderr goes (default: inherited, so failures show up in test output). */
  quiet?: boolean;
  /** Extra node flags for the controller process (not its migration run), e.g. --cpu-prof. */
  nodeArgs?: string[];
}

export async function startControllerProcess(opts: ControllerOptions = {}): Promise<ControllerProcess> {
  const database = `wgfleet_proc_${randomBytes(5).toString('hex')}`;
  const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${database}`);
  const adminKey = generateApiKey().key;
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WGFLEET_DATABASE_URL: databaseUrl,
    WGFLEET_MASTER_KEY: randomBytes(32).toString('base64'),
    WGFLEET_BOOTSTRAP_ADMIN_KEY: adminKey,
    WGFLEET_HTTP_HOST: '127.0.0.1',
    WGFLEET_HTTP_PORT: String(httpPort),
    WGFLEET_GRPC_HOST: '127.0.0.1',
    WGFLEET_GRPC_PORT: String(grpcPort),
    WGFLEET_REDIS_PREFIX: `wgfp_${database}`,
    WGFLEET_LOG_LEVEL: 'warn',
    ...opts.env,
  };
  await query(ADMIN_URL, `CREATE DATABASE ${database}`);
  let child: ChildProcess | null = null;
  const stop = async (): Promise<void> => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      // A controller that ignores SIGTERM for 5 s is killed; the timer must not outlive the stop.
      const timer = setTimeout(() => child?.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await query(ADMIN_URL, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await dropRedisKeys(env.WGFLEET_REDIS_URL ?? 'redis://127.0.0.1:6379', `${env.WGFLEET_REDIS_PREFIX}:`);
  };
  try {
    await runToEnd(['apps/controller/src/main.ts', 'migrate'], env);
    child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '-r', './scripts/register-ts.js', 'apps/controller/src/main.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', opts.quiet ? 'ignore' : 'inherit'],
    });
    const url = `http://127.0.0.1:${httpPort}`;
    await waitReady(url, child);
    const pid = child.pid;
    if (pid === undefined) throw new Error('the controller process has no pid');
    const request = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (config text, metrics)
      }
      return { status: res.status, body: parsed, text };
    };
    return {
      url,
      grpcAddress: `127.0.0.1:${grpcPort}`,
      adminKey,
      databaseUrl,
      pid,
      sql: (statement, params) => query(databaseUrl, statement, params),
      request,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`the controller exited with ${child.exitCode} before it was ready`);
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) return;
    await delay(250);
  }
  throw new Error('the controller did not become ready in 60 s');
}

function runToEnd(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', './scripts/register-ts.js', ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

/** The stopped controller's queues and rate-limit counters: everything under its own key prefix. */
async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  // No reconnect loop: with Redis down the controller never became ready, so it wrote nothing there.
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** An ephemeral loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function query<T>(url: string, statement: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(statement, params)).rows as T[];
  } finally {
    await client.end();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

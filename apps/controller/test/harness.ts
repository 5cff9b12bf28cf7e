import { randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { generateApiKey } from '@wgfleet/domain';
import Redis from 'ioredis';
import { Client } from 'pg';
import request from 'supertest';
import { loadConfig, type AppConfig } from '../src/config/app-config';
import { createApp } from '../src/create-app';
import { AgentGrpcServer } from '../src/modules/agent-sync/agent-grpc.server';
import { runMigrations } from '../src/database/migrate';

const ADMIN_URL = process.env.WGFLEET_TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.WGFLEET_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  /** The bootstrap admin key (full string). */
  adminKey: string;
  databaseUrl: string;
  /** The agent gRPC endpoint's port on 127.0.0.1 (picked freely for each app). */
  grpcPort: number;
  http(): ReturnType<typeof request>;
  /** Authorization header value for `key` (default: the admin key). */
  auth(key?: string): { Authorization: string };
  close(): Promise<void>;
}

export interface StartOptions {
  /**
   * Run a second app instance (another "replica") on `shareWith`'s database, Redis prefix, master
   * key and admin key. Closing it leaves the shared database alone; close the first app last.
   */
  shareWith?: TestApp;
}

/** A fresh database with migrations applied, and a Redis key prefix nobody else uses. */
export async function startTestApp(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestApp> {
  const shared = options.shareWith;
  const suffix = randomBytes(6).toString('hex');
  const database = `wgfleet_test_${suffix}`;
  let databaseUrl: string;
  if (shared) {
    databaseUrl = shared.databaseUrl;
  } else {
    await adminQuery(`CREATE DATABASE ${database}`);
    databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${database}`);
    await runMigrations(databaseUrl);
  }
  const adminKey = shared?.adminKey ?? generateApiKey().key;
  const config = loadConfig({
    WGFLEET_DATABASE_URL: databaseUrl,
    WGFLEET_DATABASE_POOL_SIZE: '10',
    WGFLEET_REDIS_URL: REDIS_URL,
    WGFLEET_REDIS_PREFIX: shared?.config.redis.prefix ?? `wgft_${suffix}`,
    WGFLEET_MASTER_KEY: (shared?.config.masterKey ?? randomBytes(32)).toString('base64'),
    WGFLEET_BOOTSTRAP_ADMIN_KEY: adminKey,
    WGFLEET_LOG_LEVEL: 'error',
    WGFLEET_WORKERS: 'false',
    WGFLEET_GRPC_HOST: '127.0.0.1',
    WGFLEET_GRPC_PORT: '0',
    ...env,
  });
  const app = await createApp(config);
  await app.init();
  const server = app.getHttpServer();
  return {
    app,
    config,
    adminKey,
    databaseUrl,
    grpcPort: app.get(AgentGrpcServer).port ?? 0,
    http: () => request(server),
    auth: (key = adminKey) => ({ Authorization: `Bearer ${key}` }),
    close: async () => {
      await app.close();
      if (shared) return;
      await dropRedisPrefix(config.redis.prefix);
      await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Runs SQL against a test app's database (for asserting rows, or arranging agent-reported data). */
export async function queryDb<T = Record<string, unknown>>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

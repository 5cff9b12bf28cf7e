import { readFileSync } from 'node:fs';
import { isIpv4Cidr, parseIpv4Cidr, parseMasterKey, parseApiKey } from '@wgfleet/domain';

// The controller's whole configuration, read from the environment once at start. Nothing else in
// the controller reads process.env: everything gets this object through DI.

export interface AppConfig {
  http: { host: string; port: number; tls: { cert: Buffer; key: Buffer } | null; trustProxy: boolean; bodyLimit: string };
  grpc: { enabled: boolean; host: string; port: number; hostnames: string[] };
  agents: { certificateDays: number; offlineAfterSeconds: number };
  database: { url: string; poolSize: number };
  redis: { url: string; prefix: string };
  /** 32-byte key for secrets at rest (AES-256-GCM) and token signing. Sensitive. */
  masterKey: Buffer;
  /** A full API key string registered as admin on start when absent. Sensitive. */
  bootstrapAdminKey: string | null;
  ipam: { pool: string; interfacePrefix: number };
  rateLimit: { requests: number; windowSeconds: number };
  oauth: { tokenTtlSeconds: number };
  enrollment: { tokenTtlSeconds: number };
  log: { level: LogLevel };
  workers: { enabled: boolean };
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

interface VariableSpec {
  description: string;
  sensitive?: boolean;
  default?: string;
}

/** Every variable the controller reads, documented in one place (also rendered into .env.example). */
export const CONFIG_VARIABLES = {
  WGFLEET_DATABASE_URL: { description: 'Postgres connection URL', default: 'postgres://postgres@127.0.0.1:5432/wgfleet' },
  WGFLEET_DATABASE_POOL_SIZE: { description: 'Postgres connections per process', default: '20' },
  WGFLEET_REDIS_URL: { description: 'Redis connection URL (queues, rate limits, pub/sub)', default: 'redis://127.0.0.1:6379' },
  WGFLEET_REDIS_PREFIX: { description: 'Prefix of every Redis key, so several installs can share a Redis', default: 'wgfleet' },
  WGFLEET_MASTER_KEY: { description: '32 bytes, base64 or 64 hex chars: encrypts private keys at rest. Required.', sensitive: true },
  WGFLEET_BOOTSTRAP_ADMIN_KEY: { description: 'A full API key (wgf_<id>_<secret>) registered as admin on start if its id is unknown', sensitive: true },
  WGFLEET_HTTP_HOST: { description: 'REST API listen address', default: '0.0.0.0' },
  WGFLEET_HTTP_PORT: { description: 'REST API port', default: '8080' },
  WGFLEET_TLS_CERT_FILE: { description: 'PEM certificate: serve the REST API over HTTPS (set with WGFLEET_TLS_KEY_FILE)' },
  WGFLEET_TLS_KEY_FILE: { description: 'PEM private key for WGFLEET_TLS_CERT_FILE', sensitive: true },
  WGFLEET_TRUST_PROXY: { description: 'true when behind a reverse proxy that sets X-Forwarded-For', default: 'false' },
  WGFLEET_BODY_LIMIT: { description: 'Largest accepted request body', default: '256kb' },
  WGFLEET_GRPC_HOST: { description: 'Agent gRPC (mTLS) listen address', default: '0.0.0.0' },
  WGFLEET_GRPC_PORT: { description: 'Agent gRPC (mTLS) port; 0 picks a free one', default: '8443' },
  WGFLEET_GRPC_ENABLED: { description: 'Serve the agent gRPC endpoint from this process (true/false)', default: 'true' },
  WGFLEET_GRPC_HOSTNAMES: {
    description: 'Comma-separated DNS names and IP addresses agents use to reach the gRPC endpoint (the SANs of its certificate)',
    default: 'localhost,127.0.0.1',
  },
  WGFLEET_AGENT_CERT_DAYS: { description: 'Lifetime of agent client certificates; agents renew them at two thirds', default: '90' },
  WGFLEET_HOST_OFFLINE_AFTER_SECONDS: { description: 'A host whose stream showed no life for this long is marked offline (covers a crashed replica)', default: '90' },
  WGFLEET_ADDRESS_POOL: { description: 'IPv4 pool that new interface subnets are taken from', default: '10.8.0.0/16' },
  WGFLEET_INTERFACE_PREFIX: { description: 'Prefix length of a new interface subnet taken from the pool', default: '24' },
  WGFLEET_RATE_LIMIT: { description: 'Requests per credential (or source address) per window, shared across replicas', default: '1200' },
  WGFLEET_RATE_LIMIT_WINDOW_SECONDS: { description: 'Rate limit window', default: '60' },
  WGFLEET_OAUTH_TOKEN_TTL_SECONDS: { description: 'Lifetime of OAuth client-credentials access tokens', default: '3600' },
  WGFLEET_ENROLLMENT_TOKEN_TTL_SECONDS: { description: 'Lifetime of host enrollment tokens', default: '86400' },
  WGFLEET_LOG_LEVEL: { description: 'debug | info | warn | error', default: 'info' },
  WGFLEET_WORKERS: { description: 'Run queue workers in this process (true/false)', default: 'true' },
} satisfies Record<string, VariableSpec>;

type VariableName = keyof typeof CONFIG_VARIABLES;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads and validates the environment; throws ConfigError listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
  const problems: string[] = [];
  const get = (name: VariableName): string | undefined => {
    const value = env[name]?.trim();
    if (value) return value;
    const spec: VariableSpec = CONFIG_VARIABLES[name];
    return spec.default;
  };
  const int = (name: VariableName, min: number, max: number): number => {
    const raw = get(name) ?? '';
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}`);
      return min;
    }
    return n;
  };
  const bool = (name: VariableName): boolean => {
    const raw = (get(name) ?? '').toLowerCase();
    if (!['true', 'false', '1', '0'].includes(raw)) problems.push(`${name} must be true or false`);
    return raw === 'true' || raw === '1';
  };
  const url = (name: VariableName, protocols: string[]): string => {
    const raw = get(name) ?? '';
    try {
      if (!protocols.includes(new URL(raw).protocol)) throw new Error();
    } catch {
      problems.push(`${name} must be a ${protocols.join(' or ')}// URL`);
    }
    return raw;
  };

  let masterKey = Buffer.alloc(0);
  const rawMaster = get('WGFLEET_MASTER_KEY');
  if (!rawMaster) problems.push('WGFLEET_MASTER_KEY is required (32 bytes, base64 or hex; e.g. `openssl rand -base64 32`)');
  else {
    try {
      masterKey = parseMasterKey(rawMaster);
    } catch (e) {
      problems.push(`WGFLEET_MASTER_KEY: ${(e as Error).message}`);
    }
  }

  const bootstrapAdminKey = get('WGFLEET_BOOTSTRAP_ADMIN_KEY') ?? null;
  if (bootstrapAdminKey && !parseApiKey(bootstrapAdminKey)) {
    problems.push('WGFLEET_BOOTSTRAP_ADMIN_KEY must look like wgf_<16 hex>_<43 base64url chars>');
  }

  const pool = get('WGFLEET_ADDRESS_POOL') ?? '';
  if (!isIpv4Cidr(pool)) problems.push('WGFLEET_ADDRESS_POOL must be an IPv4 CIDR such as 10.8.0.0/16');
  const interfacePrefix = int('WGFLEET_INTERFACE_PREFIX', 16, 30);
  if (isIpv4Cidr(pool) && parseIpv4Cidr(pool).prefix > interfacePrefix) {
    problems.push('WGFLEET_INTERFACE_PREFIX must be at least the prefix of WGFLEET_ADDRESS_POOL');
  }

  const logLevel = get('WGFLEET_LOG_LEVEL') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) problems.push('WGFLEET_LOG_LEVEL must be debug, info, warn or error');

  let tls: AppConfig['http']['tls'] = null;
  const certFile = get('WGFLEET_TLS_CERT_FILE');
  const keyFile = get('WGFLEET_TLS_KEY_FILE');
  if (certFile || keyFile) {
    if (!certFile || !keyFile) problems.push('WGFLEET_TLS_CERT_FILE and WGFLEET_TLS_KEY_FILE go together');
    else {
      try {
        tls = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
      } catch (e) {
        problems.push(`cannot read the TLS certificate or key: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    }
  }

  const grpcHostnames = (get('WGFLEET_GRPC_HOSTNAMES') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.length > 0);
  if (grpcHostnames.length === 0 || grpcHostnames.some((h) => !/^[A-Za-z0-9.:-]{1,253}$/.test(h))) {
    problems.push('WGFLEET_GRPC_HOSTNAMES must list DNS names or IP addresses, separated by commas');
  }

  const config: AppConfig = {
    http: {
      host: get('WGFLEET_HTTP_HOST') ?? '0.0.0.0',
      port: int('WGFLEET_HTTP_PORT', 0, 65535),
      tls,
      trustProxy: bool('WGFLEET_TRUST_PROXY'),
      bodyLimit: get('WGFLEET_BODY_LIMIT') ?? '256kb',
    },
    grpc: {
      enabled: bool('WGFLEET_GRPC_ENABLED'),
      host: get('WGFLEET_GRPC_HOST') ?? '0.0.0.0',
      port: int('WGFLEET_GRPC_PORT', 0, 65535),
      hostnames: grpcHostnames,
    },
    agents: { certificateDays: int('WGFLEET_AGENT_CERT_DAYS', 1, 3650), offlineAfterSeconds: int('WGFLEET_HOST_OFFLINE_AFTER_SECONDS', 30, 86_400) },
    database: { url: url('WGFLEET_DATABASE_URL', ['postgres:', 'postgresql:']), poolSize: int('WGFLEET_DATABASE_POOL_SIZE', 1, 500) },
    redis: { url: url('WGFLEET_REDIS_URL', ['redis:', 'rediss:']), prefix: get('WGFLEET_REDIS_PREFIX') ?? 'wgfleet' },
    masterKey,
    bootstrapAdminKey,
    ipam: { pool, interfacePrefix },
    rateLimit: { requests: int('WGFLEET_RATE_LIMIT', 1, 10_000_000), windowSeconds: int('WGFLEET_RATE_LIMIT_WINDOW_SECONDS', 1, 86_400) },
    oauth: { tokenTtlSeconds: int('WGFLEET_OAUTH_TOKEN_TTL_SECONDS', 60, 86_400) },
    enrollment: { tokenTtlSeconds: int('WGFLEET_ENROLLMENT_TOKEN_TTL_SECONDS', 60, 30 * 86_400) },
    log: { level: logLevel },
    workers: { enabled: bool('WGFLEET_WORKERS') },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The .env.example text, generated from CONFIG_VARIABLES so the two never disagree. */
export function renderEnvExample(): string {
  const header = [
    '# wgfleet controller configuration, generated by `npm run gen:env-example` from',
    "# apps/controller/src/config/app-config.ts (a test keeps them in sync). Commented-out variables have no default.",
    '',
  ];
  const body = Object.entries(CONFIG_VARIABLES).map(
    ([name, spec]: [string, VariableSpec]) => `# ${spec.description}${spec.sensitive ? ' (secret)' : ''}\n${spec.default === undefined ? '# ' : ''}${name}=${spec.default ?? ''}\n`,
  );
  return `${header.join('\n')}\n${body.join('\n')}`;
}

// Shared helpers for the controller's integration suites: typed views of response bodies, the
// error-body assertion, and a few "arrange" shortcuts that go through the public API.
import type { Response } from 'supertest';
import { queryDb, type TestApp } from './harness';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const WG_KEY_RE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
export const ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export interface ErrorBody {
  error: true;
  status: number;
  code: string;
  message: string;
  details: Array<{ field: string; message: string }>;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface HostBody {
  id: string;
  name: string;
  kind: 'linux' | 'routeros';
  publicAddress: string | null;
  isDefault: boolean;
  labels: Record<string, string>;
  routeros: { apiUrl: string; username: string; verifyTls: boolean; timeoutMs: number; concurrency: number } | null;
  status: 'online' | 'offline' | 'pending';
  lastSeenAt: string | null;
  desiredRevision: number;
  appliedRevision: number;
  lastError: string | null;
  agentVersion: string | null;
  facts: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  enrollmentToken?: { token: string; expiresAt: string };
  revision?: number;
}

export interface Bandwidth {
  downloadKbit: number;
  uploadKbit: number;
}

export interface InterfaceBody {
  id: string;
  hostId: string;
  name: string;
  displayName: string | null;
  address: string;
  listenPort: number;
  publicKey: string;
  endpoint: string | null;
  dns: string[];
  mtu: number | null;
  persistentKeepalive: number | null;
  nat: { enabled: boolean; snatAddress: string | null };
  internalTraffic: boolean;
  defaultBandwidth: Bandwidth;
  createdAt: string;
  updatedAt: string;
  stats?: { peers: number; peersOnline: number; rxBytes: number; txBytes: number };
  revision?: number;
  applied?: boolean;
}

export interface PeerBody {
  id: string;
  interfaceId: string;
  hostId: string;
  name: string;
  address: string;
  publicKey: string;
  hasPrivateKey: boolean;
  hasPresharedKey: boolean;
  allowedIps: string[];
  bandwidth: Bandwidth;
  bandwidthIsDefault: boolean;
  enabled: boolean;
  suspension: { reason: string; message: string | null; at: string } | null;
  expiresAt: string | null;
  quotaBytes: number | null;
  externalId: string | null;
  metadata: Record<string, unknown>;
  status: { online: boolean; lastHandshakeAt: string | null; endpoint: string | null; rxBytes: number; txBytes: number };
  createdAt: string;
  updatedAt: string;
  revision?: number;
  applied?: boolean;
}

export interface PortForwardBody {
  id: string;
  hostId: string;
  interfaceId: string;
  peerId: string;
  peerAddress: string;
  protocol: 'tcp' | 'udp';
  port: number;
  targetPort: number;
  createdAt: string;
  revision?: number;
}

export interface ApiKeyBody {
  id: string;
  name: string;
  role: 'admin' | 'operator' | 'readonly';
  expiresAt: string | null;
  allowedCidrs: string[];
  lastUsedAt: string | null;
  createdAt: string;
  key?: string;
}

export interface AuditEventBody {
  id: string;
  createdAt: string;
  actor: { keyId: string | null; name: string | null };
  sourceIp: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  hostId: string | null;
  revision: number | null;
  details: Record<string, unknown>;
}

export const api = (path: string): string => `/api/v1${path}`;

/** Asserts the contract's error body and returns it. */
export function expectError(res: Response, status: number, code?: string): ErrorBody {
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status, body: { error: true, status } });
  const body = res.body as ErrorBody;
  expect(Object.keys(body).sort()).toEqual(['code', 'details', 'error', 'message', 'status']);
  expect(typeof body.code).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(Array.isArray(body.details)).toBe(true);
  if (code) expect(body.code).toBe(code);
  return body;
}

/** Asserts a 400 VALIDATION_FAILED naming `field` in its details. */
export function expectInvalid(res: Response, field: string): ErrorBody {
  const body = expectError(res, 400, 'VALIDATION_FAILED');
  expect(body.details.map((d) => d.field)).toContain(field);
  return body;
}

export async function createHost(t: TestApp, body: Record<string, unknown> = {}, key?: string): Promise<HostBody> {
  const res = await t
    .http()
    .post(api('/hosts'))
    .set(t.auth(key))
    .send({ name: `host-${Math.random().toString(36).slice(2, 10)}`, kind: 'linux', publicAddress: '192.0.2.10', ...body });
  expect(res.status).toBe(201);
  return res.body as HostBody;
}

export async function createInterface(t: TestApp, body: Record<string, unknown> = {}): Promise<InterfaceBody> {
  const res = await t.http().post(api('/interfaces')).set(t.auth()).send(body);
  expect(res.status).toBe(201);
  return res.body as InterfaceBody;
}

export async function createPeer(t: TestApp, interfaceId: string, body: Record<string, unknown> = {}): Promise<PeerBody> {
  const res = await t.http().post(api(`/interfaces/${interfaceId}/peers`)).set(t.auth()).send(body);
  expect(res.status).toBe(201);
  return res.body as PeerBody;
}

export async function createApiKey(t: TestApp, body: Record<string, unknown>): Promise<Required<Pick<ApiKeyBody, 'key'>> & ApiKeyBody> {
  const res = await t
    .http()
    .post(api('/api-keys'))
    .set(t.auth())
    .send({ name: `key-${Math.random().toString(36).slice(2, 10)}`, ...body });
  expect(res.status).toBe(201);
  return res.body as Required<Pick<ApiKeyBody, 'key'>> & ApiKeyBody;
}

export async function countRows(t: TestApp, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const [row] = await queryDb<{ n: number }>(t.databaseUrl, `SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
  return row?.n ?? 0;
}

export async function desiredRevision(t: TestApp, hostId: string): Promise<number> {
  const [row] = await queryDb<{ r: string }>(t.databaseUrl, `SELECT desired_revision::text AS r FROM hosts WHERE id = $1`, [hostId]);
  return Number(row?.r);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A UUID that names nothing. */
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

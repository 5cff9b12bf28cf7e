import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { MAINTENANCE_JOBS, QUEUES } from '../src/modules/maintenance/jobs/queues';
import { queryDb, startTestApp, type TestApp } from './harness';

async function eventually<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('maintenance jobs (BullMQ worker on the real Redis)', () => {
  let t: TestApp;
  let interfaceId: string;

  beforeAll(async () => {
    t = await startTestApp({ WGFLEET_WORKERS: 'true' });
    await t.http().post('/api/v1/hosts').set(t.auth()).send({ name: 'h1', kind: 'linux', publicAddress: '192.0.2.1' }).expect(201);
    interfaceId = (await t.http().post('/api/v1/interfaces').set(t.auth()).send({}).expect(201)).body.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('suspends expired and over-quota peers, bumping the host revision', async () => {
    const expired = (await t.http().post(`/api/v1/interfaces/${interfaceId}/peers`).set(t.auth()).send({ name: 'expired', expiresAt: '2020-01-01T00:00:00Z' }).expect(201)).body;
    const overQuota = (await t.http().post(`/api/v1/interfaces/${interfaceId}/peers`).set(t.auth()).send({ name: 'quota', quotaBytes: 1000 }).expect(201)).body;
    const fine = (await t.http().post(`/api/v1/interfaces/${interfaceId}/peers`).set(t.auth()).send({ name: 'fine', quotaBytes: 10_000_000 }).expect(201)).body;
    // What an agent's stats report would record.
    await queryDb(t.databaseUrl, `UPDATE peers SET rx_bytes = 800, tx_bytes = 400 WHERE id = ANY($1)`, [[overQuota.id, fine.id]]);
    const before = (await t.http().get(`/api/v1/hosts/${expired.hostId}`).set(t.auth())).body.desiredRevision as number;

    const queue = t.app.get<Queue>(getQueueToken(QUEUES.maintenance));
    await queue.add(MAINTENANCE_JOBS.enforcePeerLimits, { batch: 100 });

    const suspended = await eventually(
      async () => (await t.http().get('/api/v1/peers?enabled=false').set(t.auth())).body.items as Array<{ name: string; suspension: { reason: string } }>,
      (items) => items.length >= 2,
    );
    expect(suspended.map((p) => [p.name, p.suspension.reason]).sort()).toEqual([
      ['expired', 'expired'],
      ['quota', 'quota'],
    ]);
    expect((await t.http().get(`/api/v1/peers/${fine.id}`).set(t.auth())).body.enabled).toBe(true);
    const after = (await t.http().get(`/api/v1/hosts/${expired.hostId}`).set(t.auth())).body.desiredRevision as number;
    expect(after).toBe(before + 1);
    const audit = (await t.http().get('/api/v1/audit-events?action=peer.suspend').set(t.auth())).body.items as Array<{ actor: { name: string }; revision: number }>;
    expect(audit).toHaveLength(2);
    expect(audit.every((e) => e.actor.name === 'system' && e.revision === after)).toBe(true);
  });

  it('refuses to resume an expired peer until expiresAt moves', async () => {
    const [peer] = (await t.http().get('/api/v1/peers?q=expired').set(t.auth())).body.items as Array<{ id: string }>;
    const refused = await t.http().post(`/api/v1/peers/${peer?.id}/resume`).set(t.auth());
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('PEER_EXPIRED');
    await t.http().patch(`/api/v1/peers/${peer?.id}`).set(t.auth()).send({ expiresAt: '2099-01-01T00:00:00Z' }).expect(200);
    expect((await t.http().post(`/api/v1/peers/${peer?.id}/resume`).set(t.auth())).body.enabled).toBe(true);
  });
});

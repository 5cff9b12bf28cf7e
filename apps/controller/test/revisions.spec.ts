// Every write that changes a host's desired state bumps that host's revision by exactly one, in the
// same transaction as the change record and the audit event; the response carries the revision;
// `?wait=applied` holds it until the host acknowledged, or the timeout passed.
import type { Response } from 'supertest';
import { RevisionEventsService } from '../src/modules/revisions/revision-events.service';
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
  sleep,
  UNKNOWN_ID,
  type AuditEventBody,
  type HostBody,
  type InterfaceBody,
  type Page,
  type PeerBody,
  type PortForwardBody,
} from './fixtures';
import { queryDb, startTestApp, type TestApp } from './harness';

interface Change {
  resource: 'host' | 'interface' | 'peer' | 'port-forward';
  id: string;
  op: 'upsert' | 'delete';
}

interface Before {
  hostId: string;
  revision: number;
  changes: number;
  audits: number;
}

interface ChangeRow {
  changes: Change[];
  created_at: Date;
  actor: string | null;
}

interface AuditRow {
  action: string;
  resource_id: string | null;
  created_at: Date;
}

describe('revisions', () => {
  let t: TestApp;
  let host: HostBody;
  let bystander: HostBody;

  beforeAll(async () => {
    t = await startTestApp();
    host = await createHost(t, { name: 'h1', publicAddress: '198.51.100.1' });
    bystander = await createHost(t, { name: 'h2', publicAddress: '198.51.100.2' });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function before(hostId: string): Promise<Before> {
    return {
      hostId,
      revision: await desiredRevision(t, hostId),
      changes: await countRows(t, 'host_changes', 'host_id = $1', [hostId]),
      audits: await countRows(t, 'audit_events'),
    };
  }

  /**
   * The write bumped `b.hostId` by exactly one, recorded `change` under the new revision, wrote one
   * audit event `action` with that revision, and answered it in the body and the header.
   */
  async function expectBumped(res: Response, b: Before, change: Change, action: string): Promise<number> {
    expect(res.status).toBeLessThan(300);
    const revision = b.revision + 1;
    expect((res.body as { revision?: number }).revision).toBe(revision);
    expect(res.headers['x-wgfleet-revision']).toBe(String(revision));
    expect(await desiredRevision(t, b.hostId)).toBe(revision);
    expect(await countRows(t, 'host_changes', 'host_id = $1', [b.hostId])).toBe(b.changes + 1);

    const [recorded] = await queryDb<ChangeRow>(t.databaseUrl, `SELECT changes, created_at, actor FROM host_changes WHERE host_id = $1 AND revision = $2`, [b.hostId, revision]);
    expect(recorded?.changes).toContainEqual(change);
    expect(recorded?.actor).toEqual(expect.any(String));

    expect(await countRows(t, 'audit_events')).toBe(b.audits + 1);
    const audits = await queryDb<AuditRow>(t.databaseUrl, `SELECT action, resource_id, created_at FROM audit_events WHERE host_id = $1 AND revision = $2`, [b.hostId, revision]);
    expect(audits).toEqual([expect.objectContaining({ action, resource_id: change.id })]);
    // now() is the transaction's start time: equal timestamps mean one transaction wrote both.
    expect(audits[0]!.created_at).toEqual(recorded!.created_at);
    return revision;
  }

  /** Nothing about the host's desired state moved (and, for `failed`, nothing was audited either). */
  async function expectNotBumped(b: Before, failed: boolean): Promise<void> {
    expect(await desiredRevision(t, b.hostId)).toBe(b.revision);
    expect(await countRows(t, 'host_changes', 'host_id = $1', [b.hostId])).toBe(b.changes);
    if (failed) expect(await countRows(t, 'audit_events')).toBe(b.audits);
  }

  it('starts a new host at revision 1, recorded like any other change', async () => {
    const b2 = await before(bystander.id);
    const res = await t.http().post(api('/hosts')).set(t.auth()).send({ name: 'h3', kind: 'linux' });
    expect(res.status).toBe(201);
    const created = res.body as HostBody;
    expect(created).toMatchObject({ desiredRevision: 1, revision: 1 });
    expect(res.headers['x-wgfleet-revision']).toBe('1');
    const [row] = await queryDb<ChangeRow>(t.databaseUrl, `SELECT changes FROM host_changes WHERE host_id = $1 AND revision = 1`, [created.id]);
    expect(row?.changes).toEqual([{ resource: 'host', id: created.id, op: 'upsert' }]);
    await expectNotBumped(b2, false);
    await t.http().delete(api(`/hosts/${created.id}`)).set(t.auth()).expect(200);
  });

  it('bumps once for each interface, peer and port forward write, and only on that host', async () => {
    let b = await before(host.id);
    const other = await before(bystander.id);

    const ifaceRes = await t.http().post(api('/interfaces')).set(t.auth()).send({ hostId: host.id, address: '10.20.0.1/24' });
    const iface = ifaceRes.body as InterfaceBody;
    await expectBumped(ifaceRes, b, { resource: 'interface', id: iface.id, op: 'upsert' }, 'interface.create');

    b = await before(host.id);
    const patched = await t.http().patch(api(`/interfaces/${iface.id}`)).set(t.auth()).send({ mtu: 1400, defaultBandwidth: { downloadKbit: 1000, uploadKbit: 500 } });
    expect(patched.status).toBe(200);
    await expectBumped(patched, b, { resource: 'interface', id: iface.id, op: 'upsert' }, 'interface.update');

    b = await before(host.id);
    const peerRes = await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ name: 'alice' });
    expect(peerRes.status).toBe(201);
    const peer = peerRes.body as PeerBody;
    await expectBumped(peerRes, b, { resource: 'peer', id: peer.id, op: 'upsert' }, 'peer.create');

    b = await before(host.id);
    await expectBumped(await t.http().patch(api(`/peers/${peer.id}`)).set(t.auth()).send({ bandwidth: { downloadKbit: 10, uploadKbit: 10 } }), b, { resource: 'peer', id: peer.id, op: 'upsert' }, 'peer.update');

    b = await before(host.id);
    await expectBumped(await t.http().post(api(`/peers/${peer.id}/suspend`)).set(t.auth()).send({ reason: 'unpaid' }), b, { resource: 'peer', id: peer.id, op: 'upsert' }, 'peer.suspend');

    b = await before(host.id);
    await expectBumped(await t.http().post(api(`/peers/${peer.id}/resume`)).set(t.auth()), b, { resource: 'peer', id: peer.id, op: 'upsert' }, 'peer.resume');

    b = await before(host.id);
    const applied = await t.http().post(api(`/interfaces/${iface.id}/apply-default-bandwidth`)).set(t.auth());
    expect(applied.body).toMatchObject({ updated: 1 });
    await expectBumped(applied, b, { resource: 'interface', id: iface.id, op: 'upsert' }, 'interface.apply-default-bandwidth');

    b = await before(host.id);
    const forwardRes = await t.http().post(api(`/interfaces/${iface.id}/port-forwards`)).set(t.auth()).send({ protocol: 'tcp', port: 2222, peerId: peer.id, targetPort: 22 });
    expect(forwardRes.status).toBe(201);
    const forward = forwardRes.body as PortForwardBody;
    await expectBumped(forwardRes, b, { resource: 'port-forward', id: forward.id, op: 'upsert' }, 'port-forward.create');

    b = await before(host.id);
    await expectBumped(await t.http().delete(api(`/port-forwards/${forward.id}`)).set(t.auth()), b, { resource: 'port-forward', id: forward.id, op: 'delete' }, 'port-forward.delete');

    b = await before(host.id);
    await expectBumped(await t.http().delete(api(`/peers/${peer.id}`)).set(t.auth()), b, { resource: 'peer', id: peer.id, op: 'delete' }, 'peer.delete');

    b = await before(host.id);
    await expectBumped(await t.http().delete(api(`/interfaces/${iface.id}`)).set(t.auth()), b, { resource: 'interface', id: iface.id, op: 'delete' }, 'interface.delete');

    await expectNotBumped(other, false);
  });

  it('bumps once for a forced interface delete that takes peers and port forwards with it', async () => {
    const iface = await createInterface(t, { hostId: host.id, address: '10.21.0.1/24' });
    const p1 = await createPeer(t, iface.id);
    await createPeer(t, iface.id);
    await t.http().post(api(`/interfaces/${iface.id}/port-forwards`)).set(t.auth()).send({ protocol: 'udp', port: 3333, peerId: p1.id, targetPort: 3333 }).expect(201);
    const b = await before(host.id);
    const res = await t.http().delete(api(`/interfaces/${iface.id}`)).query({ force: 'true' }).set(t.auth());
    expect(res.status).toBe(200);
    await expectBumped(res, b, { resource: 'interface', id: iface.id, op: 'delete' }, 'interface.delete');
  });

  it("bumps for a host's public address, not for its labels, name or an unchanged address", async () => {
    let b = await before(host.id);
    const address = await t.http().patch(api(`/hosts/${host.id}`)).set(t.auth()).send({ publicAddress: '198.51.100.11' });
    expect(address.status).toBe(200);
    await expectBumped(address, b, { resource: 'host', id: host.id, op: 'upsert' }, 'host.update');

    b = await before(host.id);
    const labels = await t.http().patch(api(`/hosts/${host.id}`)).set(t.auth()).send({ labels: { region: 'ams' } });
    expect(labels.status).toBe(200);
    expect(labels.body).toMatchObject({ labels: { region: 'ams' }, desiredRevision: b.revision });
    await expectNotBumped(b, false);
    // The metadata change is audited, without a revision.
    expect(await countRows(t, 'audit_events', `host_id = $1 AND action = 'host.update' AND revision IS NULL`, [host.id])).toBe(1);

    b = await before(host.id);
    await t.http().patch(api(`/hosts/${host.id}`)).set(t.auth()).send({ name: 'h1-renamed', publicAddress: '198.51.100.11' }).expect(200);
    await expectNotBumped(b, false);

    // Clearing the address changes what clients dial (and the SNAT source): a new revision.
    b = await before(host.id);
    const cleared = await t.http().patch(api(`/hosts/${host.id}`)).set(t.auth()).send({ publicAddress: null });
    expect(cleared.body).toMatchObject({ publicAddress: null });
    await expectBumped(cleared, b, { resource: 'host', id: host.id, op: 'upsert' }, 'host.update');
    await t.http().patch(api(`/hosts/${host.id}`)).set(t.auth()).send({ publicAddress: '198.51.100.1' }).expect(200);
  });

  it('does not bump for API keys or enrollment tokens', async () => {
    const b = await before(host.id);
    const other = await before(bystander.id);
    const key = await createApiKey(t, { role: 'operator' });
    await t.http().delete(api(`/api-keys/${key.id}`)).set(t.auth()).expect(200);
    await t.http().post(api(`/hosts/${host.id}/enrollment-tokens`)).set(t.auth()).expect(201);
    await expectNotBumped(b, false);
    await expectNotBumped(other, false);
    expect(await countRows(t, 'audit_events', `resource_id = $1 AND revision IS NULL`, [key.id])).toBe(2);
  });

  it('bumps nothing and audits nothing for a failed write', async () => {
    const iface = await createInterface(t, { hostId: host.id, address: '10.22.0.1/24' });
    const peer = await createPeer(t, iface.id, { name: 'taken' });
    const b = await before(host.id);
    expectError(await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ name: 'taken' }), 409, 'NAME_TAKEN');
    expectError(await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ address: peer.address }), 409, 'ADDRESS_IN_USE');
    expectError(await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ bandwidth: { downloadKbit: -1, uploadKbit: 0 } }), 400, 'VALIDATION_FAILED');
    expectError(await t.http().patch(api(`/interfaces/${iface.id}`)).set(t.auth()).send({ listenPort: 0 }), 400, 'VALIDATION_FAILED');
    expectError(await t.http().patch(api(`/interfaces/${iface.id}`)).set(t.auth()).send({ address: '10.23.0.1/24' }), 409, 'INTERFACE_HAS_PEERS');
    expectError(await t.http().delete(api(`/interfaces/${iface.id}`)).set(t.auth()), 409, 'INTERFACE_HAS_PEERS');
    expectError(await t.http().post(api(`/interfaces/${iface.id}/port-forwards`)).set(t.auth()).send({ protocol: 'tcp', port: iface.listenPort, peerId: peer.id, targetPort: 1 }), 409);
    expectError(await t.http().post(api('/interfaces')).set(t.auth()).send({ hostId: host.id, name: iface.name }), 409, 'NAME_TAKEN');
    expectError(await t.http().patch(api(`/hosts/${host.id}`)).set(t.auth()).send({ publicAddress: 'not an address' }), 400, 'VALIDATION_FAILED');
    // A rejected ?wait is refused before anything is written.
    expectError(await t.http().post(api(`/interfaces/${iface.id}/peers`)).query({ wait: 'applied', timeout: 'soon' }).set(t.auth()).send({ name: 'never' }), 400, 'VALIDATION_FAILED');
    await expectNotBumped(b, true);
    expect(await countRows(t, 'peers', 'interface_id = $1', [iface.id])).toBe(1);
  });

  it('gives racing writes on one host consecutive revisions, one change record each', async () => {
    const iface = await createInterface(t, { hostId: host.id, address: '10.24.0.1/24' });
    const b = await before(host.id);
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({ name: `racer-${i}` })));
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(201));
    const revisions = responses.map((r) => (r.body as PeerBody).revision!).sort((x, y) => x - y);
    expect(revisions).toEqual(Array.from({ length: 12 }, (_, i) => b.revision + 1 + i));
    expect(responses.map((r) => Number(r.headers['x-wgfleet-revision'])).sort((x, y) => x - y)).toEqual(revisions);
    expect(await desiredRevision(t, host.id)).toBe(b.revision + 12);
    const rows = await queryDb<{ revision: string; changes: Change[] }>(t.databaseUrl, `SELECT revision::text, changes FROM host_changes WHERE host_id = $1 AND revision > $2 ORDER BY revision`, [host.id, b.revision]);
    expect(rows.map((r) => Number(r.revision))).toEqual(revisions);
    // Each revision records exactly the peer whose response carried it.
    for (const res of responses) {
      const peer = res.body as PeerBody;
      expect(rows.find((r) => Number(r.revision) === peer.revision)?.changes).toEqual([{ resource: 'peer', id: peer.id, op: 'upsert' }]);
    }
  });

  it('lists the audit event of a write with its revision', async () => {
    const iface = await createInterface(t, { hostId: host.id, address: '10.25.0.1/24' });
    const peer = await createPeer(t, iface.id, { name: 'audited' });
    const page = (await t.http().get(api('/audit-events')).query({ resourceId: peer.id }).set(t.auth()).expect(200)).body as Page<AuditEventBody>;
    expect(page.items).toEqual([expect.objectContaining({ action: 'peer.create', resourceType: 'peer', resourceId: peer.id, hostId: host.id, revision: peer.revision })]);
  });

  it('reports a revision as pending until the host acknowledges it, and 404 for one that does not exist', async () => {
    const iface = await createInterface(t, { hostId: host.id, address: '10.26.0.1/24' });
    const revision = iface.revision!;
    const status = (r: number): Promise<Response> => t.http().get(api(`/hosts/${host.id}/revisions/${r}`)).set(t.auth());

    const pending = await status(revision);
    expect(pending.status).toBe(200);
    expect(pending.body).toEqual({ revision, applied: false, appliedAt: null, error: null });

    // What an agent's acknowledgement records: the host's applied revision (covering every earlier one).
    await queryDb(t.databaseUrl, `UPDATE hosts SET applied_revision = $2, applied_at = now() WHERE id = $1`, [host.id, revision]);
    expect((await status(revision)).body).toEqual({ revision, applied: true, appliedAt: expect.stringMatching(ISO_RE), error: null });
    expect((await status(revision - 1)).body).toMatchObject({ revision: revision - 1, applied: true });

    const later = await createPeer(t, iface.id);
    expect((await status(later.revision!)).body).toEqual({ revision: later.revision, applied: false, appliedAt: null, error: null });

    await queryDb(t.databaseUrl, `UPDATE host_changes SET error = 'tc: RTNETLINK answers: File exists' WHERE host_id = $1 AND revision = $2`, [host.id, later.revision]);
    expect((await status(later.revision!)).body).toEqual({ revision: later.revision, applied: false, appliedAt: null, error: 'tc: RTNETLINK answers: File exists' });

    expectError(await status(later.revision! + 1), 404, 'NOT_FOUND');
    expectError(await status(0), 404, 'NOT_FOUND');
    expectError(await t.http().get(api(`/hosts/${UNKNOWN_ID}/revisions/1`)).set(t.auth()), 404, 'NOT_FOUND');
    expectError(await t.http().get(api(`/hosts/${bystander.id}/revisions/${later.revision}`)).set(t.auth()), 404, 'NOT_FOUND');
  });

  it('answers "applied": false after ?wait=applied times out, with the same status, the change committed', async () => {
    const iface = await createInterface(t, { hostId: bystander.id, address: '10.27.0.1/24' });
    let b = await before(bystander.id);
    const created = await t.http().post(api(`/interfaces/${iface.id}/peers`)).query({ wait: 'applied', timeout: '200ms' }).set(t.auth()).send({ name: 'waited' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'waited', applied: false });
    const peer = created.body as PeerBody;
    await expectBumped(created, b, { resource: 'peer', id: peer.id, op: 'upsert' }, 'peer.create');
    await t.http().get(api(`/peers/${peer.id}`)).set(t.auth()).expect(200);

    b = await before(bystander.id);
    const patched = await t.http().patch(api(`/peers/${peer.id}`)).query({ wait: 'applied', timeout: '200ms' }).set(t.auth()).send({ name: 'waited-2' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'waited-2', applied: false });
    await expectBumped(patched, b, { resource: 'peer', id: peer.id, op: 'upsert' }, 'peer.update');

    b = await before(bystander.id);
    const deleted = await t.http().delete(api(`/peers/${peer.id}`)).query({ wait: 'applied', timeout: '200ms' }).set(t.auth());
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id: peer.id, deleted: true, revision: b.revision + 1, applied: false });
    await expectBumped(deleted, b, { resource: 'peer', id: peer.id, op: 'delete' }, 'peer.delete');
    expectError(await t.http().get(api(`/peers/${peer.id}`)).set(t.auth()), 404);

    // Without ?wait the body has no "applied".
    const plain = await createPeer(t, iface.id);
    expect(plain).not.toHaveProperty('applied');

    // Deleting the interface is such a write too.
    b = await before(bystander.id);
    const removed = await t.http().delete(api(`/interfaces/${iface.id}`)).query({ force: 'true', wait: 'applied', timeout: '200ms' }).set(t.auth());
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ id: iface.id, deleted: true, revision: b.revision + 1, applied: false });
  });

  it('answers "applied": true once the host acknowledges the revision during ?wait=applied', async () => {
    const iface = await createInterface(t, { hostId: bystander.id, address: '10.28.0.1/24' });
    const b = await before(bystander.id);
    const pending = t.http().post(api(`/interfaces/${iface.id}/peers`)).query({ wait: 'applied', timeout: '30s' }).set(t.auth()).send({ name: 'acked' }).then((r) => r);

    // Once the write is committed, play the agent: record the acknowledgement and announce it.
    for (let i = 0; i < 1500 && (await desiredRevision(t, bystander.id)) === b.revision; i++) await sleep(20);
    const revision = b.revision + 1;
    await queryDb(t.databaseUrl, `UPDATE hosts SET applied_revision = $2, applied_at = now() WHERE id = $1`, [bystander.id, revision]);
    t.app.get(RevisionEventsService).publishApplied(bystander.id, revision);

    const res = await pending;
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'acked', revision, applied: true });
    expect(res.headers['x-wgfleet-revision']).toBe(String(revision));

    // A revision the host already applied answers at once.
    await queryDb(t.databaseUrl, `UPDATE hosts SET applied_revision = 1000 WHERE id = $1`, [bystander.id]);
    const immediate = await t.http().patch(api(`/interfaces/${iface.id}`)).query({ wait: 'applied', timeout: '30s' }).set(t.auth()).send({ mtu: 1380 });
    expect(immediate.status).toBe(200);
    expect(immediate.body).toMatchObject({ mtu: 1380, applied: true });
  }, 60_000);
});

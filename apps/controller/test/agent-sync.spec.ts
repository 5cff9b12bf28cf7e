import { status, type ServiceError } from '@grpc/grpc-js';
import { applyHostDelta, type HostDesiredState, type HostStateDelta } from '@wgfleet/domain';
import { AGENT_SERVER_MAX_RECEIVE_BYTES, hostDeltaFromProto, hostStateFromProto, type AgentServiceClient } from '@wgfleet/proto';
import { createHash, X509Certificate } from 'node:crypto';
import { Client } from 'pg';
import { AgentGrpcServer } from '../src/modules/agent-sync/agent-grpc.server';
import { AgentReportsService } from '../src/modules/agent-sync/agent-reports.service';
import { AgentStream, client, newIdentity, pinnedCa, selfSignedHostCertificate, unary } from './agent-client';
import { api, createHost, createInterface, createPeer, desiredRevision, sleep, type HostBody, type InterfaceBody, type PeerBody, type PortForwardBody } from './fixtures';
import { queryDb, startTestApp, type TestApp } from './harness';

jest.setTimeout(30_000);

const FACTS = { hostname: 'vpn-test', kernel: '6.1.0-test', wireguardImplementation: 'wireguard-go', agentVersion: '0.1.0-test' };

/** States compare by content, not by the order of their lists. */
function normalized(s: HostDesiredState): HostDesiredState {
  const byId = <T extends { id: string }>(a: T[]): T[] => [...a].sort((x, y) => x.id.localeCompare(y.id));
  return { ...s, interfaces: byId(s.interfaces).map((i) => ({ ...i, peers: byId(i.peers), portForwards: byId(i.portForwards) })) };
}

interface Enrolled {
  host: HostBody;
  ca: string;
  identity: { keyPem: string; certPem: string };
}

describe('agent sync over gRPC (mTLS)', () => {
  let t: TestApp;
  const streams: AgentStream[] = [];
  const clients: AgentServiceClient[] = [];

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    for (const s of streams) s.end();
    for (const c of clients) c.close();
    await t.close();
  });

  function agent(ca: string, identity?: Enrolled['identity'], options?: Parameters<typeof client>[3]): AgentServiceClient {
    const c = client(t.grpcPort, ca, identity, options);
    clients.push(c);
    return c;
  }

  function open(e: Enrolled, appliedRevision = 0): AgentStream {
    const s = new AgentStream(agent(e.ca, e.identity));
    streams.push(s);
    s.send({ hello: { appliedRevision, facts: FACTS } });
    return s;
  }

  /** What a freshly connecting agent would get. */
  async function freshSnapshot(e: Enrolled): Promise<HostDesiredState> {
    const s = open(e);
    try {
      return hostStateFromProto(await s.next('snapshot'));
    } finally {
      s.end();
    }
  }

  async function enroll(token: string, expectedHostId?: string): Promise<{ ca: string; identity: Enrolled['identity'] }> {
    const ca = await pinnedCa(t.grpcPort, token);
    const { keyPem, csrPem } = await newIdentity();
    const res = await unary(agent(ca).enroll.bind(agent(ca)), { token, csrPem, facts: FACTS });
    if (expectedHostId) expect(res.hostId).toBe(expectedHostId);
    expect(res.caCertificatePem.trim()).toBe(ca.trim());
    return { ca, identity: { keyPem, certPem: res.certificatePem } };
  }

  async function enrolledHost(): Promise<Enrolled> {
    const host = await createHost(t);
    return { host, ...(await enroll(host.enrollmentToken!.token, host.id)) };
  }

  async function getHost(id: string): Promise<HostBody> {
    return (await t.http().get(api(`/hosts/${id}`)).set(t.auth()).expect(200)).body as HostBody;
  }

  async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await read();
      if (ok(v) || Date.now() > deadline) return v;
      await sleep(50);
    }
  }

  describe('enrollment', () => {
    it('turns the one-time token from POST /hosts into a certificate bound to the host, over TLS pinned by the token', async () => {
      const host = await createHost(t);
      const token = host.enrollmentToken!.token;
      const { ca, identity } = await enroll(token, host.id);
      // The pin is the SHA-256 of the CA certificate the server presented in its chain.
      expect(token.endsWith(`.${createHash('sha256').update(new X509Certificate(ca).raw).digest('hex')}`)).toBe(true);
      const cert = new X509Certificate(identity.certPem);
      expect(cert.subjectAltName).toBe(`URI:urn:wgfleet:host:${host.id}`);
      expect(cert.checkIssued(new X509Certificate(ca))).toBe(true);
      const after = await getHost(host.id);
      expect(after).toMatchObject({ status: 'offline', agentVersion: '0.1.0-test', facts: { kernel: '6.1.0-test', wireguardImplementation: 'wireguard-go' } });
      const [row] = await queryDb<{ cert_serial: string }>(t.databaseUrl, `SELECT cert_serial FROM hosts WHERE id = $1`, [host.id]);
      expect(row?.cert_serial).toBe(cert.serialNumber);
      const audit = await queryDb(t.databaseUrl, `SELECT actor_name, source_ip, details FROM audit_events WHERE host_id = $1 AND action = 'host.enroll'`, [host.id]);
      expect(audit).toEqual([{ actor_name: 'agent', source_ip: '127.0.0.1', details: { certificateSerial: cert.serialNumber } }]);
    });

    it('refuses a used token, an expired token and a CSR that is not one (without burning the token)', async () => {
      const host = await createHost(t);
      const token = host.enrollmentToken!.token;
      const ca = await pinnedCa(t.grpcPort, token);
      const c = agent(ca);
      const bad = await unary(c.enroll.bind(c), { token, csrPem: 'not a csr', facts: FACTS }).catch((e: ServiceError) => e);
      expect((bad as ServiceError).code).toBe(status.INVALID_ARGUMENT);
      await enroll(token, host.id);
      const used = await unary(c.enroll.bind(c), { token, csrPem: (await newIdentity()).csrPem }).catch((e: ServiceError) => e);
      expect((used as ServiceError).code).toBe(status.PERMISSION_DENIED);

      const other = await createHost(t);
      await queryDb(t.databaseUrl, `UPDATE enrollment_tokens SET expires_at = now() - interval '1 second' WHERE host_id = $1`, [other.id]);
      const expired = await unary(c.enroll.bind(c), { token: other.enrollmentToken!.token, csrPem: (await newIdentity()).csrPem }).catch((e: ServiceError) => e);
      expect((expired as ServiceError).code).toBe(status.PERMISSION_DENIED);
      expect((await getHost(other.id)).status).toBe('pending');
    });
  });

  describe('authentication of Connect and Renew', () => {
    it('refuses a connection without a client certificate, or with one the CA did not issue', async () => {
      const e = await enrolledHost();
      const anonymous = new AgentStream(agent(e.ca));
      anonymous.send({ hello: { appliedRevision: 0 } });
      expect(await anonymous.closed()).toMatchObject({ code: status.UNAUTHENTICATED });

      const forged = new AgentStream(agent(e.ca, await selfSignedHostCertificate(e.host.id)));
      forged.send({ hello: { appliedRevision: 0 } });
      expect(await forged.closed()).toMatchObject({ code: status.UNAUTHENTICATED });
      await expect(forged.next('snapshot', 300)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    });

    it('revokes the previous certificate when the host enrolls again, also ending its open stream', async () => {
      const first = await enrolledHost();
      const stream = open(first);
      await stream.next('snapshot');
      const res = await t.http().post(api(`/hosts/${first.host.id}/enrollment-tokens`)).set(t.auth()).expect(201);
      const second = await enroll((res.body as { token: string }).token, first.host.id);

      expect(await stream.closed()).toMatchObject({ code: status.UNAUTHENTICATED });
      const old = open(first);
      expect(await old.closed()).toMatchObject({ code: status.UNAUTHENTICATED });
      const current = open({ ...first, ...second });
      expect((await current.next('snapshot')).hostId).toBe(first.host.id);
    });

    /** Renews over `e`'s certificate with a fresh key; the identity the answer makes. */
    async function renew(e: Enrolled): Promise<Enrolled['identity']> {
      const c = agent(e.ca, e.identity);
      const { keyPem, csrPem } = await newIdentity();
      const res = await unary(c.renew.bind(c), { csrPem });
      return { keyPem, certPem: res.certificatePem };
    }

    it('renews a certificate for the same host, keeping the old one valid until the new one is used on a Connect', async () => {
      const e = await enrolledHost();
      const renewed = await renew(e);
      const cert = new X509Certificate(renewed.certPem);
      expect(cert.subjectAltName).toBe(`URI:urn:wgfleet:host:${e.host.id}`);
      expect(cert.serialNumber).not.toBe(new X509Certificate(e.identity.certPem).serialNumber);

      // The answer may have been lost: the old certificate still connects, and renews again.
      const old = open(e);
      await old.next('snapshot');
      const retried = await renew(e);
      // That drops the certificate whose answer was lost (nobody connected with it).
      expect(await open({ ...e, identity: renewed }).closed()).toMatchObject({ code: status.UNAUTHENTICATED });

      // The first Connect with the new certificate revokes the old one, also ending its stream.
      const current = open({ ...e, identity: retried });
      expect((await current.next('snapshot')).hostId).toBe(e.host.id);
      expect(await old.closed()).toMatchObject({ code: status.UNAUTHENTICATED });
      expect(await open(e).closed()).toMatchObject({ code: status.UNAUTHENTICATED });
      const c = agent(e.ca, e.identity);
      const again = await unary(c.renew.bind(c), { csrPem: (await newIdentity()).csrPem }).catch((err: ServiceError) => err);
      expect((again as ServiceError).code).toBe(status.UNAUTHENTICATED);
      const [row] = await queryDb<{ previous_cert_serial: string | null }>(t.databaseUrl, `SELECT previous_cert_serial FROM hosts WHERE id = $1`, [e.host.id]);
      expect(row?.previous_cert_serial).toBeNull();
    });

    it('revokes both the current and the pre-renewal certificate when the host enrolls again', async () => {
      const e = await enrolledHost();
      const renewed = await renew(e);
      const res = await t.http().post(api(`/hosts/${e.host.id}/enrollment-tokens`)).set(t.auth()).expect(201);
      const second = await enroll((res.body as { token: string }).token, e.host.id);
      expect(await open(e).closed()).toMatchObject({ code: status.UNAUTHENTICATED });
      expect(await open({ ...e, identity: renewed }).closed()).toMatchObject({ code: status.UNAUTHENTICATED });
      expect((await open({ ...e, ...second }).next('snapshot')).hostId).toBe(e.host.id);
    });

    it('ends the stream of a deleted host and refuses its certificate afterwards', async () => {
      const e = await enrolledHost();
      const stream = open(e);
      await stream.next('snapshot');
      await t.http().delete(api(`/hosts/${e.host.id}`)).set(t.auth()).expect(200);
      expect(await stream.closed()).toMatchObject({ code: status.UNAUTHENTICATED });
      expect(await open(e).closed()).toMatchObject({ code: status.UNAUTHENTICATED });
    });

    it('refuses a message over its receive limit before authentication (RESOURCE_EXHAUSTED)', async () => {
      const host = await createHost(t);
      const ca = await pinnedCa(t.grpcPort, host.enrollmentToken!.token);
      // A client allowed to send more than the controller accepts (the agent's own limit is the controller's).
      const c = agent(ca, undefined, { 'grpc.max_send_message_length': AGENT_SERVER_MAX_RECEIVE_BYTES + 1024 * 1024 });
      const huge = await unary(c.enroll.bind(c), { token: 'x'.repeat(AGENT_SERVER_MAX_RECEIVE_BYTES), csrPem: 'csr' }).catch((err: ServiceError) => err);
      expect((huge as ServiceError).code).toBe(status.RESOURCE_EXHAUSTED);
      // The endpoint is fine afterwards.
      await enroll(host.enrollmentToken!.token, host.id);
    });
  });

  describe('streams that end while they are authenticated', () => {
    it('opens no session for a stream cancelled during authentication, so the sweep marks its host offline', async () => {
      const e = await enrolledHost();
      const server = t.app.get(AgentGrpcServer);
      const c = agent(e.ca, e.identity);
      // Hold every Connect in authentication: its certificate check reads the hosts table.
      const lock = new Client({ connectionString: t.databaseUrl });
      await lock.connect();
      await lock.query(`BEGIN`);
      await lock.query(`LOCK TABLE hosts IN ACCESS EXCLUSIVE MODE`);
      const cancelled: AgentStream[] = [];
      try {
        for (let i = 0; i < 5; i++) {
          const s = new AgentStream(c);
          s.send({ hello: { appliedRevision: 0, facts: FACTS } });
          cancelled.push(s);
        }
        const waiting = async (): Promise<number> =>
          (
            await queryDb<{ n: number }>(
              t.databaseUrl,
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM hosts%'`,
            )
          )[0]!.n;
        expect(await eventually(waiting, (n) => n >= cancelled.length)).toBeGreaterThanOrEqual(cancelled.length);
        for (const s of cancelled) s.cancel();
        // One HTTP/2 connection carries every call of this client, and its frames are handled in
        // order: once a later call is answered, the controller has seen the cancellations.
        const probe = await unary(c.enroll.bind(c), { token: '', csrPem: '' }).catch((err: ServiceError) => err);
        expect((probe as ServiceError).code).toBe(status.INVALID_ARGUMENT);
      } finally {
        await lock.query(`COMMIT`);
        await lock.end();
      }
      // A stream authenticated after them: once it has its snapshot, theirs were decided too.
      const later = open(e);
      await later.next('snapshot');
      later.end();
      expect(await eventually(async () => server.streamCount(e.host.id), (n) => n === 0)).toBe(0);

      // Nothing left to keep the host alive: one sweep finds it stale.
      await queryDb(t.databaseUrl, `UPDATE hosts SET status = 'online', last_seen_at = now() - interval '1 hour' WHERE id = $1`, [e.host.id]);
      await server.sweep();
      expect((await getHost(e.host.id)).status).toBe('offline');
    });
  });

  describe('desired state on the stream', () => {
    let a: Enrolled;
    let b: Enrolled;
    let ifaceA: InterfaceBody;
    let peerA: PeerBody;
    let streamA: AgentStream;
    let streamB: AgentStream;

    beforeAll(async () => {
      a = await enrolledHost();
      b = await enrolledHost();
      ifaceA = await createInterface(t, { hostId: a.host.id, defaultBandwidth: { downloadKbit: 5000, uploadKbit: 1000 } });
      peerA = await createPeer(t, ifaceA.id, { name: 'alice' });
      const ifaceB = await createInterface(t, { hostId: b.host.id });
      await createPeer(t, ifaceB.id, { name: 'bob' });
    });

    it('answers Hello(0) with a snapshot of exactly that host, keys included, and marks it online', async () => {
      streamA = open(a);
      const snapshot = hostStateFromProto(await streamA.next('snapshot'));
      expect(snapshot).toMatchObject({ hostId: a.host.id, revision: await desiredRevision(t, a.host.id), publicAddress: '192.0.2.10' });
      expect(snapshot.interfaces.map((i) => i.id)).toEqual([ifaceA.id]);
      const [iface] = snapshot.interfaces;
      expect(iface).toMatchObject({ name: ifaceA.name, address: ifaceA.address, listenPort: ifaceA.listenPort, defaultBandwidth: { downloadKbit: 5000, uploadKbit: 1000 } });
      expect(iface!.privateKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(iface!.peers).toEqual([
        expect.objectContaining({ id: peerA.id, publicKey: peerA.publicKey, address: peerA.address, allowedIps: [`${peerA.address}/32`], enabled: true, bandwidth: { downloadKbit: 5000, uploadKbit: 1000 } }),
      ]);
      expect(await streamA.next('reportRequest')).toEqual({});
      expect(await getHost(a.host.id)).toMatchObject({ status: 'online', lastSeenAt: expect.any(String), facts: { hostname: 'vpn-test' } });

      streamB = open(b);
      const other = hostStateFromProto(await streamB.next('snapshot'));
      expect(other.hostId).toBe(b.host.id);
      expect(JSON.stringify(other)).not.toContain(a.host.id);
      expect(JSON.stringify(other)).not.toContain(ifaceA.id);
    });

    it('streams a one-peer change as a delta carrying just that peer, to that host only', async () => {
      const before = await desiredRevision(t, a.host.id);
      const peer = await createPeer(t, ifaceA.id, { name: 'carol', bandwidth: { downloadKbit: 100, uploadKbit: 0 } });
      const delta = hostDeltaFromProto(await streamA.next('delta'));
      expect(delta).toEqual({
        fromRevision: before,
        toRevision: peer.revision,
        publicAddress: '192.0.2.10',
        interfaces: [{ interfaceId: ifaceA.id, settings: null, upsertedPeers: [expect.objectContaining({ id: peer.id, bandwidth: { downloadKbit: 100, uploadKbit: 0 } })], upsertedPortForwards: [] }],
        removedInterfaceIds: [],
        removedPeerIds: [],
        removedPortForwardIds: [],
      });

      await t.http().delete(api(`/peers/${peer.id}`)).set(t.auth()).expect(200);
      expect(hostDeltaFromProto(await streamA.next('delta'))).toMatchObject({ fromRevision: peer.revision, interfaces: [], removedPeerIds: [peer.id] });
      await sleep(200);
      expect(streamB.pending('delta') + streamB.pending('snapshot')).toBe(0);
    });

    it('records acknowledgements: applied revision, ?wait=applied, and errors', async () => {
      // supertest sends on then(): start the request now, the agent acknowledges while it waits.
      const pending = t
        .http()
        .post(api(`/interfaces/${ifaceA.id}/peers?wait=applied&timeout=10s`))
        .set(t.auth())
        .send({ name: 'dave' })
        .then((r) => r);
      const delta = await streamA.next('delta');
      streamA.send({ applyResult: { revision: delta.toRevision, ok: true, durationMs: 12.5, mode: 'incremental' } });
      const res = await pending;
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ revision: delta.toRevision, applied: true });
      expect(await getHost(a.host.id)).toMatchObject({ appliedRevision: delta.toRevision, lastError: null, status: 'online' });
      const revision = await t.http().get(api(`/hosts/${a.host.id}/revisions/${delta.toRevision}`)).set(t.auth()).expect(200);
      expect(revision.body).toMatchObject({ applied: true, appliedAt: expect.any(String), error: null });
      const metrics = await t.http().get('/metrics').expect(200);
      expect(metrics.text).toContain('wgfleet_agent_apply_duration_seconds_count{result="ok",mode="incremental"} 1');
      expect(metrics.text).toMatch(/^wgfleet_agent_streams [1-9]/m);

      const failing = await createPeer(t, ifaceA.id, { name: 'erin' });
      await streamA.next('delta');
      streamA.send({ applyResult: { revision: failing.revision, ok: false, error: 'nft: No such file or directory', mode: 'incremental' } });
      const failed = await eventually(
        () => getHost(a.host.id),
        (h) => h.lastError !== null,
      );
      expect(failed).toMatchObject({ lastError: 'nft: No such file or directory', appliedRevision: delta.toRevision });
      const rev = await t.http().get(api(`/hosts/${a.host.id}/revisions/${failing.revision}`)).set(t.auth()).expect(200);
      expect(rev.body).toMatchObject({ applied: false, error: 'nft: No such file or directory' });
    });

    it('sends a delta from the revision a reconnecting agent holds, and nothing when it is current', async () => {
      const held = await desiredRevision(t, a.host.id);
      const peer = await createPeer(t, ifaceA.id, { name: 'frank' });
      await streamA.next('delta');
      const again = open(a, held);
      expect(hostDeltaFromProto(await again.next('delta'))).toMatchObject({ fromRevision: held, toRevision: peer.revision, interfaces: [{ upsertedPeers: [expect.objectContaining({ id: peer.id })] }] });
      const current = open(a, peer.revision!);
      await current.next('reportRequest');
      await sleep(200);
      expect(current.pending('delta') + current.pending('snapshot')).toBe(0);
      // A revision the controller never had (a restored database) gets a snapshot.
      const ahead = open(a, peer.revision! + 100);
      expect((await ahead.next('snapshot')).revision).toBe(peer.revision);
      // Without the change records since its revision (history pruned), no delta can be built.
      await queryDb(t.databaseUrl, `DELETE FROM host_changes WHERE host_id = $1 AND revision = $2`, [a.host.id, held + 1]);
      const pruned = open(a, held);
      expect((await pruned.next('snapshot')).revision).toBe(peer.revision);
      for (const s of [again, current, ahead, pruned]) s.end();
    });

    it('sends interface changes whole, port forwards with their peer, and removals; the deltas add up to the snapshot', async () => {
      // An agent's view of host B: the snapshot it got, then every delta applied to it.
      let state = await freshSnapshot(b);
      const nextDelta = async (): Promise<HostStateDelta> => {
        const delta = hostDeltaFromProto(await streamB.next('delta'));
        state = applyHostDelta(state, delta);
        return delta;
      };
      const iface = await createInterface(t, { hostId: b.host.id });
      expect((await nextDelta()).interfaces).toEqual([expect.objectContaining({ interfaceId: iface.id, settings: expect.objectContaining({ name: iface.name }), upsertedPeers: [] })]);
      const p1 = await createPeer(t, iface.id, { name: 'p1' });
      await nextDelta();
      const p2 = await createPeer(t, iface.id, { name: 'p2', bandwidth: { downloadKbit: 1, uploadKbit: 2 } });
      await nextDelta();
      const forward = (await t.http().post(api(`/interfaces/${iface.id}/port-forwards`)).set(t.auth()).send({ protocol: 'tcp', port: 2222, peerId: p1.id, targetPort: 22 }).expect(201))
        .body as PortForwardBody;
      expect((await nextDelta()).interfaces).toEqual([
        { interfaceId: iface.id, settings: null, upsertedPeers: [], upsertedPortForwards: [{ id: forward.id, protocol: 'tcp', port: 2222, peerAddress: p1.address, targetPort: 22 }] },
      ]);

      // A new default bandwidth changes every peer that inherits it: the interface comes whole.
      await t.http().patch(api(`/interfaces/${iface.id}`)).set(t.auth()).send({ defaultBandwidth: { downloadKbit: 777, uploadKbit: 0 } }).expect(200);
      const [whole] = (await nextDelta()).interfaces;
      expect(whole?.settings?.defaultBandwidth).toEqual({ downloadKbit: 777, uploadKbit: 0 });
      expect(Object.fromEntries(whole!.upsertedPeers.map((p) => [p.id, p.bandwidth.downloadKbit]))).toEqual({ [p1.id]: 777, [p2.id]: 1 });
      expect(whole?.upsertedPortForwards.map((f) => f.id)).toEqual([forward.id]);

      // Postgres deletes a peer's port forwards with it; the delta names the peer only.
      await t.http().delete(api(`/peers/${p1.id}`)).set(t.auth()).expect(200);
      expect(await nextDelta()).toMatchObject({ interfaces: [], removedPeerIds: [p1.id], removedPortForwardIds: [] });
      expect(state.interfaces.find((i) => i.id === iface.id)?.portForwards).toEqual([]);
      expect(normalized(state)).toEqual(normalized(await freshSnapshot(b)));

      await t.http().delete(api(`/interfaces/${iface.id}?force=true`)).set(t.auth()).expect(200);
      expect(await nextDelta()).toMatchObject({ interfaces: [], removedInterfaceIds: [iface.id] });
      expect(normalized(state)).toEqual(normalized(await freshSnapshot(b)));
    });

    it('turns stats into cumulative peer counters and hourly usage, across interface restarts', async () => {
      const handshake = Math.floor(Date.now() / 1000) - 5;
      const send = (rx: number, tx: number): void =>
        streamA.send({ stats: { revision: 1, peers: [{ peerId: peerA.id, rxBytes: rx, txBytes: tx, latestHandshakeUnix: handshake, endpoint: '198.51.100.7:51820' }] } });
      const peer = async (): Promise<PeerBody> => (await t.http().get(api(`/peers/${peerA.id}`)).set(t.auth()).expect(200)).body as PeerBody;
      send(1000, 2000);
      expect(await eventually(peer, (p) => p.status.rxBytes === 1000)).toMatchObject({
        status: { online: true, endpoint: '198.51.100.7:51820', lastHandshakeAt: new Date(handshake * 1000).toISOString(), rxBytes: 1000, txBytes: 2000 },
      });
      send(1500, 2500);
      await eventually(peer, (p) => p.status.rxBytes === 1500);
      // The counters went down: the interface restarted, and everything counted since is new.
      send(300, 100);
      expect((await eventually(peer, (p) => p.status.rxBytes === 1800)).status).toMatchObject({ rxBytes: 1800, txBytes: 2600 });
      const usage = await t.http().get(api(`/peers/${peerA.id}/usage?granularity=hour`)).set(t.auth()).expect(200);
      expect(usage.body).toEqual({ items: [{ start: expect.any(String), rxBytes: 1800, txBytes: 2600 }] });
    });

    it('stores data-plane reports per interface for GET /interfaces/{id}/dataplane', async () => {
      const report = {
        hostId: a.host.id,
        revision: 7,
        readAt: new Date().toISOString(),
        wireguard: { backend: 'wireguard-go', interfaces: [{ name: ifaceA.name, present: true, up: true, peers: [{ publicKey: peerA.publicKey, rxBytes: 5, txBytes: 6 }] }, { name: 'wg-other', present: true }] },
        nftables: {
          table: 'wgfleet',
          present: true,
          rules: [
            { chain: 'postrouting', comment: `${ifaceA.name}: nat`, packets: 3, bytes: 300 },
            { chain: 'postrouting', comment: 'wg-other: nat', packets: 1, bytes: 1 },
            { chain: 'prerouting', comment: 'port forwards', packets: 0, bytes: 0 },
          ],
          portForwards: [],
          blockedPeers: [],
        },
        others: { tc: { interfaces: [{ interface: ifaceA.name, devices: [{ device: ifaceA.name, classes: [{ minor: 2, bytes: 10 }] }] }] } },
      };
      streamA.send({ dataplane: { revision: 7, reportJson: JSON.stringify(report) } });
      const res = await eventually(
        async () => (await t.http().get(api(`/interfaces/${ifaceA.id}/dataplane`)).set(t.auth()).expect(200)).body as { state: string; revision: number; wireguard: unknown; nftables: { rules: unknown[] }; tc: unknown },
        (d) => d.state === 'reported',
      );
      expect(res).toMatchObject({ state: 'reported', revision: 7, wireguard: { name: ifaceA.name, backend: 'wireguard-go' }, tc: { interface: ifaceA.name } });
      // Its own rules and the host-wide ones, not those of another interface.
      expect(res.nftables.rules).toEqual([expect.objectContaining({ comment: `${ifaceA.name}: nat`, packets: 3 }), expect.objectContaining({ comment: 'port forwards' })]);
    });

    it('delivers a change made through another replica to the stream held by this one', async () => {
      const replica = await startTestApp({}, { shareWith: t });
      try {
        const res = await replica.http().post(api(`/interfaces/${ifaceA.id}/peers`)).set(replica.auth()).send({ name: 'grace' }).expect(201);
        const delta = hostDeltaFromProto(await streamA.next('delta'));
        expect(delta.interfaces[0]?.upsertedPeers.map((p) => p.id)).toEqual([(res.body as PeerBody).id]);
      } finally {
        await replica.close();
      }
    });

    it('marks the host offline when its stream ends', async () => {
      streamA.end();
      expect(await eventually(() => getHost(a.host.id), (h) => h.status === 'offline')).toMatchObject({ status: 'offline' });
    });

    it('marks hosts offline whose replica died without recording their disconnect', async () => {
      await queryDb(t.databaseUrl, `UPDATE hosts SET status = 'online', last_seen_at = now() - interval '1 hour' WHERE id = $1`, [a.host.id]);
      await queryDb(t.databaseUrl, `UPDATE hosts SET status = 'online', last_seen_at = now() WHERE id = $1`, [b.host.id]);
      await t.app.get(AgentReportsService).markStaleOffline();
      expect((await getHost(a.host.id)).status).toBe('offline');
      expect((await getHost(b.host.id)).status).toBe('online');
    });
  });
});

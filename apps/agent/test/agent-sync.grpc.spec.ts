import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { buildHostDelta, generateKeyPair, type HostDesiredState, type InterfaceState, type PeerState } from '@wgfleet/domain';
import {
  hostDeltaToProto,
  hostStateToProto,
  loadAgentProto,
  type AgentMessage__Output,
  type ControllerMessage,
  type RenewRequest__Output,
  type RenewResponse,
} from '@wgfleet/proto';
import { pollUntil } from '@wgfleet/testing';
import type { ApplyResult } from '../src/dataplane/dataplane-report';
import type { LinuxDataPlane } from '../src/dataplane/linux-dataplane';
import { loadCredentials, saveCredentials } from '../src/identity/credential-files';
import { certificateInfo, createCsrForKey, generateIdentity } from '../src/identity/identity';
import { GrpcControllerLink } from '../src/link/grpc-controller-link';
import type { Logger } from '../src/log/logger';
import { StateStore } from '../src/state/state-store';
import { AgentDaemon, DEFAULT_TIMING } from '../src/sync/agent-daemon';
import { AgentStatusFile, EMPTY_STATUS, readAgentStatus } from '../src/sync/agent-status';
import { StateApplier } from '../src/sync/state-applier';
import { createTestCa, type TestCa } from './test-pki';

// The sync loop over a real mTLS gRPC stream speaking the agent protocol: an in-process grpc-js
// server stands in for the controller's transport (the real controller is exercised by
// agent-sync.netns.spec.ts). The data plane is replaced at its interface — it records what it
// was asked to apply and can be told to fail — because this suite is about ordering and
// acknowledgement, not about the kernel.

jest.setTimeout(20_000);

const HOST_ID = '5d1c2a4e-0000-4000-8000-000000000001';

/** Records applies; fails the revisions listed in `failing` (once each). */
class RecordingDataPlane implements Pick<LinuxDataPlane, 'apply' | 'applyFull'> {
  readonly applied: Array<{ revision: number; how: 'apply' | 'full' }> = [];
  readonly failing = new Set<number>();

  apply(next: HostDesiredState): Promise<ApplyResult> {
    return this.record(next, 'apply');
  }

  applyFull(next: HostDesiredState): Promise<ApplyResult> {
    return this.record(next, 'full');
  }

  private async record(next: HostDesiredState, how: 'apply' | 'full'): Promise<ApplyResult> {
    // Long enough that acks racing ahead of applies would show.
    await new Promise((r) => setTimeout(r, 15));
    if (this.failing.delete(next.revision)) throw new Error(`injected failure at revision ${next.revision}`);
    this.applied.push({ revision: next.revision, how });
    return { revision: next.revision, mode: how === 'full' ? 'full' : 'incremental', incrementalError: null, ms: 15, timings: [{ driver: 'wireguard', ms: 15 }] };
  }
}

/** The controller's side of each Connect stream: what the agent sent, and a way to answer. */
class FakeControllerTransport {
  readonly streams: Array<{
    received: AgentMessage__Output[];
    clientCertificate: string;
    send: (m: ControllerMessage) => void;
    /** Sends already-encoded bytes (what a newer controller could send). */
    sendRaw: (bytes: Buffer) => void;
    end: () => void;
  }> = [];
  private server = new grpc.Server();
  port = 0;
  renewals = 0;

  constructor(private readonly renew: (csrPem: string) => Promise<RenewResponse>) {}

  async start(credentials: grpc.ServerCredentials): Promise<void> {
    const proto = loadAgentProto();
    const service = proto.AgentService.service;
    const connect = service.Connect;
    // Encoded bytes pass through as they are, so a test can send fields this schema lacks.
    const rawCapable = {
      ...service,
      Connect: { ...connect, responseSerialize: (m: ControllerMessage | Buffer) => (Buffer.isBuffer(m) ? m : connect.responseSerialize(m)) },
    };
    this.server.addService(rawCapable, {
      Enroll: (_call: unknown, cb: grpc.sendUnaryData<never>) => cb({ code: grpc.status.UNIMPLEMENTED }),
      Renew: (call: grpc.ServerUnaryCall<RenewRequest__Output, RenewResponse>, cb: grpc.sendUnaryData<RenewResponse>) => {
        this.renewals++;
        this.renew(call.request.csrPem).then((r) => cb(null, r), (e: Error) => cb({ code: grpc.status.INTERNAL, details: e.message }));
      },
      Connect: (call: grpc.ServerDuplexStream<AgentMessage__Output, ControllerMessage>) => {
        const received: AgentMessage__Output[] = [];
        call.on('data', (m: AgentMessage__Output) => received.push(m));
        call.on('error', () => undefined);
        const clientCertificate = call.getAuthContext().sslPeerCertificate?.fingerprint256 ?? '';
        this.streams.push({ received, clientCertificate, send: (m) => call.write(m), sendRaw: (bytes) => call.write(bytes as ControllerMessage), end: () => call.end() });
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', credentials, (err, port) => (err ? reject(err) : resolve(port))),
    );
  }

  get latest(): (typeof this.streams)[number] {
    const s = this.streams[this.streams.length - 1];
    if (!s) throw new Error('no stream yet');
    return s;
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

const silent: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function until<T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 5_000): Promise<T> {
  return pollUntil(what, fn, { timeoutMs, intervalMs: 10 });
}

function peer(n: number): PeerState {
  return {
    id: `peer-${n}`,
    publicKey: generateKeyPair().publicKey,
    presharedKey: null,
    address: `100.64.9.${n + 1}`,
    allowedIps: [`100.64.9.${n + 1}/32`],
    enabled: true,
    bandwidth: { downloadKbit: 0, uploadKbit: 0 },
    shapingId: n + 1,
  };
}

function stateAt(revision: number, peers: PeerState[]): HostDesiredState {
  const iface: InterfaceState = {
    id: 'iface-1',
    name: 'wgfa0',
    address: '100.64.9.1/24',
    listenPort: 51820,
    privateKey: generateKeyPair().privateKey,
    mtu: null,
    nat: { enabled: true, snatAddress: null },
    internalTraffic: false,
    defaultBandwidth: { downloadKbit: 0, uploadKbit: 0 },
    peers,
    portForwards: [],
  };
  return { hostId: HOST_ID, revision, publicAddress: '198.18.0.1', interfaces: [iface] };
}

describe('agent sync loop over mTLS gRPC', () => {
  let dir: string;
  let transport: FakeControllerTransport;
  let dataplane: RecordingDataPlane;
  let daemon: AgentDaemon | null = null;
  let running: Promise<void> | null = null;
  let ca: TestCa;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wgfa-sync-'));
    ca = await createTestCa();
    const server = await ca.issueServer({ ip: ['127.0.0.1'] });
    const identity = await generateIdentity('test-host');
    await saveCredentials(dir, {
      privateKeyPem: identity.privateKeyPem,
      certificatePem: await ca.signCsr(identity.csrPem, HOST_ID, 86_400_000),
      caCertificatePem: ca.certificatePem,
    });
    transport = new FakeControllerTransport(async (csrPem) => ({ certificatePem: await ca.signCsr(csrPem, HOST_ID, 86_400_000), caCertificatePem: ca.certificatePem }));
    await transport.start(
      grpc.ServerCredentials.createSsl(Buffer.from(ca.certificatePem), [{ cert_chain: Buffer.from(server.certificatePem), private_key: Buffer.from(server.privateKeyPem) }], true),
    );
  });

  afterAll(async () => {
    daemon?.stop();
    await running;
    transport.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function startDaemon(): void {
    dataplane = new RecordingDataPlane();
    const status = new AgentStatusFile(join(dir, 'status.json'), EMPTY_STATUS);
    const applier = new StateApplier(dataplane, new StateStore(dir), status, silent);
    daemon = new AgentDaemon({
      hostId: HOST_ID,
      stateDir: dir,
      link: new GrpcControllerLink(`127.0.0.1:${transport.port}`, dir, silent),
      applier,
      status,
      reports: { dataplaneJson: async () => '{"report":true}', peerFigures: async () => [] },
      repairDrift: async () => null,
      facts: async () => ({ hostname: 'h', kernel: 'k', os: 'o', wireguardImplementation: 'wireguard-go', wireguardVersion: '', wireguardToolsVersion: '', nftablesVersion: '', iproute2Version: '', agentVersion: '0' }),
      log: silent,
      timing: { ...DEFAULT_TIMING, reconnectInitialMs: 50, reconnectMaxMs: 200, retryInitialMs: 50, retryMaxMs: 100, reportMinIntervalMs: 0 },
    });
    running = daemon.run();
  }

  async function stopDaemon(): Promise<void> {
    daemon?.stop();
    await running;
    daemon = null;
  }

  const acks = (i = transport.streams.length - 1): Array<{ revision: number; ok: boolean; mode: string; error: string }> =>
    (transport.streams[i]?.received ?? []).flatMap((m) =>
      m.applyResult ? [{ revision: m.applyResult.revision, ok: m.applyResult.ok, mode: m.applyResult.mode, error: m.applyResult.error }] : [],
    );

  it('says hello with revision 0, applies a snapshot, then deltas in order, acknowledging each after its apply', async () => {
    startDaemon();
    const stream = await until('a stream', () => transport.streams[0]);
    const hello = await until('hello', () => stream.received.find((m) => m.hello)?.hello);
    expect(hello.appliedRevision).toBe(0);
    expect(hello.facts?.wireguardImplementation).toBe('wireguard-go');

    const s1 = stateAt(1, [peer(1)]);
    const s2 = stateAt(2, [...s1.interfaces[0]!.peers, peer(2)]);
    const s3 = { ...s2, revision: 3, interfaces: [{ ...s2.interfaces[0]!, peers: [peer(3)] }] };
    stream.send({ snapshot: hostStateToProto(s1) });
    stream.send({ delta: hostDeltaToProto(buildHostDelta(s1, s2)) });
    stream.send({ delta: hostDeltaToProto(buildHostDelta(s2, s3)) });
    await until('three acks', () => acks().length === 3);

    expect(acks()).toEqual([
      { revision: 1, ok: true, mode: 'incremental', error: '' },
      { revision: 2, ok: true, mode: 'incremental', error: '' },
      { revision: 3, ok: true, mode: 'incremental', error: '' },
    ]);
    expect(dataplane.applied.map((a) => a.revision)).toEqual([1, 2, 3]);
    const ack = stream.received.find((m) => m.applyResult)?.applyResult;
    expect(ack?.durationMs).toBeGreaterThan(0);
    expect(ack?.timings).toEqual([{ driver: 'wireguard', ms: 15 }]);
    // The delta was built on revision 2: the stored state is exactly revision 3 (saved after the ack).
    expect(await until('the state file at revision 3', async () => (await new StateStore(dir).load())?.revision === 3)).toBe(true);
    expect(await new StateStore(dir).load()).toEqual(s3);
    const status = await until('status.json at revision 3', async () => {
      const st = await readAgentStatus(join(dir, 'status.json'));
      return st.lastAppliedRevision === 3 && st;
    });
    expect(status).toMatchObject({ connected: true, lastAppliedRevision: 3, lastApply: { mode: 'incremental' } });
    // Applies are followed by a (rate-limited) dataplane report.
    await until('dataplane report', () => stream.received.some((m) => m.dataplane?.reportJson === '{"report":true}'));
  });

  it('acknowledges a failed apply, keeps building on what the controller sent, and acknowledges the retry', async () => {
    const stream = transport.latest;
    const before = acks().length;
    const s3 = (await new StateStore(dir).load())!;
    const s4 = stateAt(4, [...s3.interfaces[0]!.peers, peer(4)]);
    dataplane.failing.add(4);
    stream.send({ delta: hostDeltaToProto(buildHostDelta(s3, s4)) });
    await until('failure and retry acks', () => acks().length >= before + 2);
    expect(acks().slice(before, before + 2)).toEqual([
      { revision: 4, ok: false, mode: 'full', error: 'injected failure at revision 4' },
      { revision: 4, ok: true, mode: 'incremental', error: '' },
    ]);
    expect(await until('the state file at revision 4', async () => (await new StateStore(dir).load())?.revision === 4)).toBe(true);
  });

  it('answers a report request', async () => {
    const stream = transport.latest;
    const before = stream.received.filter((m) => m.dataplane).length;
    stream.send({ reportRequest: {} });
    await until('report', () => stream.received.filter((m) => m.dataplane).length > before);
  });

  it('ignores a kind of message it does not know and keeps the stream', async () => {
    const stream = transport.latest;
    const streamsBefore = transport.streams.length;
    const before = stream.received.filter((m) => m.dataplane).length;
    // Field 99 of ControllerMessage (an empty message): a kind added by a newer controller.
    stream.sendRaw(Buffer.from([0x9a, 0x06, 0x00]));
    stream.send({ reportRequest: {} });
    await until('report on the same stream', () => stream.received.filter((m) => m.dataplane).length > before);
    expect(transport.streams.length).toBe(streamsBefore);
  });

  it('reconnects after the controller ends the stream, announcing its applied revision', async () => {
    transport.latest.end();
    const stream = await until('a second stream', () => transport.streams[1]);
    const hello = await until('hello', () => stream.received.find((m) => m.hello)?.hello);
    expect(hello.appliedRevision).toBe(4);
  });

  it('on a delta that does not start at its revision, reconnects asking for a snapshot', async () => {
    const s = stateAt(9, [peer(9)]);
    transport.latest.send({ delta: hostDeltaToProto(buildHostDelta({ ...s, revision: 8 }, s)) });
    const stream = await until('a third stream', () => transport.streams[2]);
    const hello = await until('hello', () => stream.received.find((m) => m.hello)?.hello);
    expect(hello.appliedRevision).toBe(0);
    expect(dataplane.applied.map((a) => a.revision)).not.toContain(9);
  });

  it('does not renew a young certificate', () => {
    expect(transport.renewals).toBe(0);
  });

  it('renews a certificate past two thirds of its life over mTLS, keeping the key', async () => {
    await stopDaemon();
    const { privateKeyPem, caCertificatePem } = await loadCredentials(dir);
    // 3 h lifetime, 2.5 h of it gone: due.
    const old = await ca.signCsr(await createCsrForKey(privateKeyPem, HOST_ID), HOST_ID, 3 * 3_600_000, new Date(Date.now() - 2.5 * 3_600_000));
    await saveCredentials(dir, { privateKeyPem, certificatePem: old, caCertificatePem });
    startDaemon();
    const renewed = await until('a renewed certificate on disk', async () => {
      const c = await loadCredentials(dir);
      return c.certificatePem !== old && c;
    });
    expect(transport.renewals).toBe(1);
    expect(renewed.privateKeyPem).toBe(privateKeyPem);
    expect(new X509Certificate(renewed.certificatePem).checkPrivateKey(createPrivateKey(privateKeyPem))).toBe(true);
    expect(certificateInfo(renewed.certificatePem).notAfter.getTime()).toBeGreaterThan(certificateInfo(old).notAfter.getTime());
    // The stream moves to the new certificate right away.
    const fingerprint = new X509Certificate(renewed.certificatePem).fingerprint256;
    await until('a stream authenticated with the renewed certificate', () => transport.streams.some((st) => st.clientCertificate === fingerprint));
  });

  it('after a restart, re-applies the state file in full before the controller answers', async () => {
    await stopDaemon();
    const streamsBefore = transport.streams.length;
    startDaemon();
    await until('boot apply', () => dataplane.applied.length === 1);
    expect(dataplane.applied).toEqual([{ revision: 4, how: 'full' }]);
    const stream = await until('a new stream', () => transport.streams[streamsBefore]);
    const hello = await until('hello', () => stream.received.find((m) => m.hello)?.hello);
    expect(hello.appliedRevision).toBe(4);
    await stopDaemon();
  });
});

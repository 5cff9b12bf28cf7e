// A simulated agent: the protocol side of wgfleet-agent without a data plane. It holds one mTLS
// Connect stream, says Hello with the revision it holds, and acknowledges every snapshot and
// delta the moment it arrives (ok, 0 ms). It never touches the kernel, so what the fleet
// benchmark measures is the controller and the wire; the agent's own apply cost is bench/agent's.
import * as grpc from '@grpc/grpc-js';
import type { AgentMessage, ControllerMessage__Output, HostFacts } from '@wgfleet/proto';
import { agentClient } from './channel';
import type { AgentIdentity } from './enroll';

/** What arrived on this agent's streams so far. */
export interface AgentTally {
  snapshots: number;
  deltas: number;
  /** Deltas that did not start at the revision held (a real agent would resync with a snapshot). */
  gaps: number;
}

export class SimAgent {
  /** Revision of the desired state held; every one is acknowledged as soon as it arrives. */
  revision = 0;
  readonly tally: AgentTally = { snapshots: 0, deltas: 0, gaps: 0 };
  /** Interface and peer ids that came in snapshots or deltas: proof that a given write arrived. */
  private readonly seen = new Set<string>();
  /** performance.now() at which each revision arrived, in order. */
  private readonly arrivals: Array<{ revision: number; at: number }> = [];
  private client: grpc.Client | null = null;
  private call: grpc.ClientDuplexStream<AgentMessage, ControllerMessage__Output> | null = null;
  /** The controller has processed this stream's Hello (it answers every Hello with a report request). */
  private answered = false;
  private failure: Error | null = null;
  private onChange: (() => void) | null = null;

  constructor(
    readonly identity: AgentIdentity,
    private readonly address: string,
    private readonly caPem: Buffer,
    private readonly facts: HostFacts,
  ) {}

  /** Opens a new channel (its own TCP + TLS connection, as after a network or controller restart) and says Hello. */
  connect(): void {
    this.disconnect();
    this.answered = false;
    this.failure = null;
    const credentials = grpc.credentials.createSsl(this.caPem, Buffer.from(this.identity.keyPem), Buffer.from(this.identity.certPem));
    const client = agentClient(this.address, credentials);
    const call = client.connect();
    // Whatever a stream we dropped ourselves still delivers (messages, its error, its end) is ignored.
    call.on('data', (m: ControllerMessage__Output) => {
      if (call === this.call) this.receive(m);
    });
    call.on('error', (e: Error) => {
      if (call === this.call) this.fail(e);
    });
    call.on('end', () => {
      if (call === this.call) this.fail(new Error('the controller ended the stream'));
    });
    this.client = client;
    this.call = call;
    call.write({ hello: { appliedRevision: this.revision, facts: this.facts } });
  }

  /** Cancels the stream and closes its connection, as an agent that restarts does. */
  disconnect(): void {
    const call = this.call;
    this.call = null;
    call?.cancel();
    this.client?.close();
    this.client = null;
  }

  /**
   * Resolves with performance.now() once the controller answered this stream's Hello and the
   * agent holds (and acknowledged) `revision` or later; rejects when the stream fails first.
   * One wait at a time per agent (the benchmark's phases never overlap on a host).
   */
  reached(revision: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.onChange = () => {
        if (this.failure) reject(this.failure);
        else if (this.answered && this.revision >= revision) resolve(performance.now());
        else return;
        this.onChange = null;
      };
      this.onChange();
    });
  }

  /** When the first snapshot or delta at `revision` or later arrived. */
  arrivedAt(revision: number): number | undefined {
    return this.arrivals.find((a) => a.revision >= revision)?.at;
  }

  has(id: string): boolean {
    return this.seen.has(id);
  }

  private receive(m: ControllerMessage__Output): void {
    const at = performance.now();
    if (m.snapshot) {
      this.tally.snapshots++;
      for (const i of m.snapshot.interfaces) {
        if (i.settings) this.seen.add(i.settings.id);
        for (const p of i.peers) this.seen.add(p.id);
      }
      this.adopt(m.snapshot.revision, 'full', at);
    } else if (m.delta) {
      this.tally.deltas++;
      if (m.delta.fromRevision !== this.revision) this.tally.gaps++;
      for (const i of m.delta.interfaces) {
        this.seen.add(i.interfaceId);
        for (const p of i.upsertedPeers) this.seen.add(p.id);
      }
      this.adopt(m.delta.toRevision, 'incremental', at);
    } else if (m.reportRequest) {
      this.answered = true;
    }
    this.onChange?.();
  }

  private adopt(revision: number, mode: 'full' | 'incremental', at: number): void {
    this.revision = revision;
    this.arrivals.push({ revision, at });
    this.call?.write({ applyResult: { revision, ok: true, durationMs: 0, mode } });
  }

  private fail(e: Error): void {
    this.failure = e;
    this.call = null;
    this.onChange?.();
  }
}

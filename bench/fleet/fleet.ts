// The simulated fleet: hosts made through the REST API, each enrolled by its own simulated agent
// and holding a Connect stream.
import { credentials } from '@grpc/grpc-js';
import type { AgentServiceClient, HostFacts } from '@wgfleet/proto';
import { summarize, type LatencySummary } from '../api/stats';
import { agentClient } from './channel';
import { mapLimit, within } from './concurrency';
import { enroll, pinnedCaPem, tokenPin, type AgentIdentity } from './enroll';
import type { FleetApi } from './fleet-api';
import { SimAgent } from './sim-agent';

/** How long one host may take to get its first snapshot before the benchmark gives up. */
const CONNECT_TIMEOUT_MS = 60_000;

export interface BenchHost {
  index: number;
  id: string;
  /** The host's interface, where the benchmark's peers go. */
  interfaceId: string;
  /** The host's desired revision as of the benchmark's last write to it. */
  revision: number;
  agent: SimAgent;
}

/** One provisioning step over a batch of hosts: wall time and the time of each host's call. */
export interface StepTiming {
  seconds: number;
  perHost: LatencySummary;
}

export interface GrowthTimings {
  hosts: number;
  created: StepTiming;
  enrolled: StepTiming;
  connected: StepTiming;
}

interface PendingHost {
  index: number;
  id: string;
  token: string;
  interfaceId: string;
  revision: number;
}

export class Fleet {
  readonly hosts: BenchHost[] = [];
  /** Every agent ever started, also those of a step that failed: all are closed at the end. */
  private readonly agents: SimAgent[] = [];
  private ca: { pem: Buffer; fingerprint: string; enrollClient: AgentServiceClient } | null = null;

  constructor(
    private readonly api: FleetApi,
    private readonly grpcAddress: string,
    /** Calls in flight at once while provisioning (hosts are enrolled in parallel, not all at once). */
    private readonly concurrency: number,
  ) {}

  /**
   * Adds `count` hosts: each is created with one interface through the API, enrolled with a
   * fresh key pair and its token, then connected with Hello(0) until it holds its snapshot.
   */
  async grow(count: number): Promise<GrowthTimings> {
    const first = this.hosts.length;
    const created = await this.step(Array.from({ length: count }, (_, i) => first + i), (index) => this.create(index));
    const ca = await this.trust(created.results[0]?.token);
    const enrolled = await this.step(created.results, async (h) => {
      if (tokenPin(h.token) !== ca.fingerprint) throw new Error(`host ${h.id}'s token is pinned to another CA`);
      const identity: AgentIdentity = await enroll(ca.enrollClient, h.token, facts(h.index));
      return { ...h, identity };
    });
    const connected = await this.step(enrolled.results, async (h) => {
      const agent = new SimAgent(h.identity, this.grpcAddress, ca.pem, facts(h.index));
      this.agents.push(agent);
      agent.connect();
      await within(agent.reached(h.revision), CONNECT_TIMEOUT_MS, `host ${h.id}'s snapshot`);
      return { index: h.index, id: h.id, interfaceId: h.interfaceId, revision: h.revision, agent };
    });
    this.hosts.push(...connected.results);
    return { hosts: count, created: created.timing, enrolled: enrolled.timing, connected: connected.timing };
  }

  /** Drops every stream (the benchmark is over, or a storm is coming). */
  disconnectAll(): void {
    for (const h of this.hosts) h.agent.disconnect();
  }

  close(): void {
    for (const a of this.agents) a.disconnect();
    this.ca?.enrollClient.close();
  }

  private async create(index: number): Promise<PendingHost> {
    // 198.18.0.0/15 is the test underlay; the address is only data here (no packets are sent).
    const host = await this.api.createHost(`bench-fleet-${index}`, `198.18.${index >> 8}.${index & 255}`);
    const iface = await this.api.createInterface(host.id);
    return { index, id: host.id, token: host.token, interfaceId: iface.id, revision: iface.revision };
  }

  /** Pins the CA once, as each agent would from its token: every token of a controller carries the same pin. */
  private async trust(token: string | undefined): Promise<NonNullable<Fleet['ca']>> {
    if (this.ca) return this.ca;
    if (!token) throw new Error('no host to take the CA pin from');
    const fingerprint = tokenPin(token);
    const [host, port] = this.grpcAddress.split(':');
    const pem = Buffer.from(await pinnedCaPem(host ?? '127.0.0.1', Number(port), fingerprint));
    // Enroll is server-authenticated only; one channel carries every host's Enroll call.
    this.ca = { pem, fingerprint, enrollClient: agentClient(this.grpcAddress, credentials.createSsl(pem)) };
    return this.ca;
  }

  private async step<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<{ results: R[]; timing: StepTiming }> {
    const perHost: number[] = [];
    const started = performance.now();
    const results = await mapLimit(items, this.concurrency, async (item) => {
      const t = performance.now();
      const r = await fn(item);
      perHost.push(performance.now() - t);
      return r;
    });
    return { results, timing: { seconds: (performance.now() - started) / 1000, perHost: summarize(perHost) } };
  }
}

function facts(index: number): HostFacts {
  return { hostname: `bench-fleet-${index}`, agentVersion: 'bench-fleet', wireguardImplementation: 'none (simulated agent)' };
}

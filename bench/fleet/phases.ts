// The measured phases of the fleet benchmark. Each write creates a peer on a host's interface: the
// most common write a panel makes, and one that changes exactly one host.
import type { ControllerProcess } from '@wgfleet/testing';
import { summarize, type LatencySummary } from '../api/stats';
import { mapLimit, pollUntil, within } from './concurrency';
import type { FleetApi } from './fleet-api';
import type { BenchHost } from './fleet';
import { cpuSeconds, sampleRss } from './proc';

/** `?wait=applied&timeout=...`: far above any goal, so a slow apply shows as a figure, not a timeout. */
const WAIT_SECONDS = 30;
/** Streams closing and disconnects being recorded after the agents dropped them. */
const SETTLE_MS = 30_000;

export interface LatencyResult {
  /** Start of POST ...?wait=applied until the response said "applied": true. */
  applied: LatencySummary;
  /** Start of the POST until the agent received the delta carrying it. */
  stream: LatencySummary;
  notApplied: number;
}

/** `writes` peer creations one after another, each on a random host of `hosts`. */
export async function writeLatency(api: FleetApi, hosts: readonly BenchHost[], writes: number): Promise<LatencyResult> {
  const applied: number[] = [];
  const stream: number[] = [];
  let notApplied = 0;
  for (let i = 0; i < writes; i++) {
    const host = hosts[Math.floor(Math.random() * hosts.length)] as BenchHost;
    const started = performance.now();
    const write = await api.createPeer(host.interfaceId, WAIT_SECONDS);
    const done = performance.now();
    host.revision = write.revision;
    if (!write.applied) {
      notApplied++;
      continue;
    }
    applied.push(done - started);
    const arrived = host.agent.arrivedAt(write.revision);
    if (arrived !== undefined) stream.push(arrived - started);
  }
  return { applied: summarize(applied), stream: summarize(stream), notApplied };
}

export interface FanOutResult {
  writes: number;
  /** Responses that said "applied": true (the controller recorded the host's ack). */
  applied: number;
  /** Hosts whose agent holds the new peer and acknowledged its revision. */
  arrived: number;
  seconds: number;
  latency: LatencySummary;
}

/** One peer on every host, `concurrency` writes in flight, each waiting until applied. */
export async function fanOut(api: FleetApi, hosts: readonly BenchHost[], concurrency: number): Promise<FanOutResult> {
  const latencies: number[] = [];
  const started = performance.now();
  const writes = await mapLimit(hosts, concurrency, async (host) => {
    const t = performance.now();
    const write = await api.createPeer(host.interfaceId, WAIT_SECONDS);
    latencies.push(performance.now() - t);
    host.revision = write.revision;
    return write;
  });
  const seconds = (performance.now() - started) / 1000;
  const arrived = hosts.filter((h, i) => {
    const w = writes[i];
    return w !== undefined && h.agent.has(w.id) && h.agent.revision >= w.revision;
  }).length;
  return { writes: writes.length, applied: writes.filter((w) => w.applied).length, arrived, seconds, latency: summarize(latencies) };
}

export interface StormResult {
  hosts: number;
  /** Hosts that got a peer while disconnected, so their Hello must be answered with a delta. */
  changed: number;
  resynced: number;
  /** Changed hosts whose new peer did not arrive. */
  missing: number;
  /** Connect of all until the last agent held its current revision (and had acked it). */
  agentsSeconds: number;
  /** Connect of all until Postgres showed every host online with applied = desired; null: not within the bound. */
  recordedSeconds: number | null;
  /** Per host: its connect until it was resynced. */
  perHost: LatencySummary;
  deltas: number;
  snapshots: number;
  gaps: number;
  controllerCpuSeconds: number;
  /** This process's CPU meanwhile: 1,000 TLS handshakes are its share of the storm. */
  benchCpuSeconds: number;
  peakRssMb: number;
  errors: string[];
}

/**
 * Drops every stream, changes every other host while they are gone, then reconnects all hosts at
 * once, each saying Hello with the revision it holds: the changed ones must get a delta, the
 * others nothing (for them, the controller's answer to Hello is the report request it sends).
 */
export async function reconnectStorm(api: FleetApi, controller: ControllerProcess, hosts: readonly BenchHost[], concurrency: number, timeoutMs: number): Promise<StormResult> {
  const ids = hosts.map((h) => h.id);
  for (const h of hosts) h.agent.disconnect();
  if (!(await pollUntil(async () => (await api.openStreams()) === 0, SETTLE_MS))) throw new Error('the controller still holds streams the agents dropped');
  if (!(await pollUntil(async () => (await countHosts(controller, ids, `status = 'online'`)) === 0, SETTLE_MS))) throw new Error('hosts are still online after their streams ended');

  const changed = hosts.filter((_, i) => i % 2 === 0);
  const newPeers = await mapLimit(changed, concurrency, async (host) => {
    const write = await api.createPeer(host.interfaceId);
    host.revision = write.revision;
    return write.id;
  });
  const before = tally(hosts);
  const cpuBefore = cpuSeconds(controller.pid);
  const benchCpuBefore = process.cpuUsage();
  const rss = sampleRss(controller.pid);

  const started = performance.now();
  for (const h of hosts) h.agent.connect();
  const outcomes = await Promise.allSettled(hosts.map((h) => within(h.agent.reached(h.revision), timeoutMs, `host ${h.id}`).then((at) => at - started)));
  const agentsSeconds = (performance.now() - started) / 1000;
  const recorded = await pollUntil(async () => (await countHosts(controller, ids, `status = 'online' AND applied_revision = desired_revision`)) === hosts.length, timeoutMs, 100);
  const recordedSeconds = recorded ? (performance.now() - started) / 1000 : null;

  const controllerCpuSeconds = cpuSeconds(controller.pid) - cpuBefore;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const peakRssMb = rss.stop();
  const after = tally(hosts);
  const resyncMs = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const errors = [...new Set(outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason instanceof Error ? o.reason.message : String(o.reason)] : [])))];
  return {
    hosts: hosts.length,
    changed: changed.length,
    resynced: resyncMs.length,
    missing: changed.filter((h, i) => !h.agent.has(newPeers[i] ?? '')).length,
    agentsSeconds: resyncMs.length > 0 ? Math.max(...resyncMs) / 1000 : agentsSeconds,
    recordedSeconds,
    perHost: summarize(resyncMs),
    deltas: after.deltas - before.deltas,
    snapshots: after.snapshots - before.snapshots,
    gaps: after.gaps - before.gaps,
    controllerCpuSeconds,
    benchCpuSeconds: (benchCpu.user + benchCpu.system) / 1e6,
    peakRssMb,
    errors,
  };
}

async function countHosts(controller: ControllerProcess, ids: string[], condition: string): Promise<number> {
  const [row] = await controller.sql<{ n: number }>(`SELECT count(*)::int AS n FROM hosts WHERE id = ANY($1::uuid[]) AND ${condition}`, [ids]);
  return row?.n ?? 0;
}

function tally(hosts: readonly BenchHost[]): { deltas: number; snapshots: number; gaps: number } {
  const sum = { deltas: 0, snapshots: 0, gaps: 0 };
  for (const h of hosts) {
    sum.deltas += h.agent.tally.deltas;
    sum.snapshots += h.agent.tally.snapshots;
    sum.gaps += h.agent.tally.gaps;
  }
  return sum;
}

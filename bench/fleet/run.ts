// Fleet benchmark: one controller process and many simulated agents (ARCHITECTURE.md goals: API
// write → applied on the host with 50 hosts connected p50 ≤ 100 ms, p99 ≤ 300 ms; one controller
// with 1,000 connected hosts: every host gets its change, a reconnect storm of all 1,000 is
// resynced within 30 s, RSS ≤ 500 MB). Starts its own controller on a fresh database, talks to it
// over loopback only, prints figures, and removes everything it made. The simulated agents ack
// on receipt and never touch the kernel: the agent's own apply cost is measured by bench/agent.
//   npm run bench:fleet   (BENCH_HOSTS=1000 BENCH_LATENCY_HOSTS=50 BENCH_WRITES=200 BENCH_CONCURRENCY=50 BENCH_STORM_TIMEOUT_S=120;
//                          BENCH_CPU_PROF=<dir> writes the controller's CPU profile there when it exits)
import { loadavg } from 'node:os';
import { startControllerProcess } from '@wgfleet/testing';
import { printTable, type LatencySummary } from '../api/stats';
import { Fleet, type GrowthTimings } from './fleet';
import { FleetApi } from './fleet-api';
import { fanOut, reconnectStorm, writeLatency, type LatencyResult } from './phases';
import { rssMb } from './proc';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 1000);
const LATENCY_HOSTS = Math.min(HOSTS, Number(process.env.BENCH_LATENCY_HOSTS ?? 50));
const WRITES = Number(process.env.BENCH_WRITES ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const STORM_TIMEOUT_MS = Number(process.env.BENCH_STORM_TIMEOUT_S ?? 120) * 1000;
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF;
/** Writes before the measured ones: first requests pay for lazy initialisation and JIT. */
const WARM_UP_WRITES = 20;

async function main(): Promise<void> {
  const controller = await startControllerProcess({
    env: {
      WGFLEET_RATE_LIMIT: '10000000',
      WGFLEET_ADDRESS_POOL: '100.64.0.0/10',
      WGFLEET_INTERFACE_PREFIX: '24',
    },
    nodeArgs: CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : [],
  });
  const api = new FleetApi(controller);
  const fleet = new Fleet(api, controller.grpcAddress, CONCURRENCY);
  try {
    process.stdout.write(
      `wgfleet bench/fleet — ${new Date().toISOString()}, node ${process.version}, controller pid ${controller.pid} in its own process, ` +
        `simulated agents (ack on receipt, no data plane) in this one, ${load()}\n`,
    );
    const growth = [await fleet.grow(LATENCY_HOSTS)];
    await writeLatency(api, fleet.hosts, Math.min(WARM_UP_WRITES, WRITES));
    const latency = [{ hosts: fleet.hosts.length, result: await writeLatency(api, fleet.hosts, WRITES), load: load() }];
    if (HOSTS > LATENCY_HOSTS) growth.push(await fleet.grow(HOSTS - LATENCY_HOSTS));
    printGrowth(growth);

    const rssConnected = rssMb(controller.pid);
    const spread = await fanOut(api, fleet.hosts, CONCURRENCY);
    const spreadLoad = load();
    if (HOSTS > LATENCY_HOSTS) latency.push({ hosts: fleet.hosts.length, result: await writeLatency(api, fleet.hosts, WRITES), load: load() });
    printLatency(latency);

    printTable(
      `One write per host: a peer on each of ${HOSTS} connected hosts, ${CONCURRENCY} writes in flight, each ?wait=applied (${spreadLoad})`,
      ['writes', 'applied: true', 'delta at agent + acked', 'seconds', 'writes/s', 'p50 ms', 'p99 ms', 'max ms', 'goal: every host gets its change'],
      [[spread.writes, spread.applied, spread.arrived, spread.seconds, spread.writes / spread.seconds, spread.latency.p50, spread.latency.p99, spread.latency.max, verdict(spread.applied === HOSTS && spread.arrived === HOSTS)]],
    );

    const storm = await reconnectStorm(api, controller, fleet.hosts, CONCURRENCY, STORM_TIMEOUT_MS);
    const stormLoad = load();
    // The storm is over when every agent holds its revision and Postgres has recorded every ack.
    const resyncedSeconds = storm.resynced === storm.hosts && storm.recordedSeconds !== null ? Math.max(storm.agentsSeconds, storm.recordedSeconds) : null;
    printTable(
      `Reconnect storm: all ${storm.hosts} streams dropped, a peer added to ${storm.changed} hosts meanwhile, all reconnected at once with Hello(held revision) (${stormLoad})`,
      ['measure', 'value', 'goal'],
      [
        ['hosts resynced (answered, current revision held and acked)', `${storm.resynced} / ${storm.hosts}`, verdict(storm.resynced === storm.hosts)],
        ['all resynced at the agents, s', storm.agentsSeconds, ''],
        ['all recorded in Postgres (online, applied = desired), s', storm.recordedSeconds ?? `not within ${STORM_TIMEOUT_MS / 1000} s`, ''],
        ['reconnect storm resynced, s', resyncedSeconds ?? 'not all', `<= 30 s: ${verdict(resyncedSeconds !== null && resyncedSeconds <= 30)}`],
        ['per host: connect → resynced, p50 / p99 / max ms', `${fmt(storm.perHost.p50)} / ${fmt(storm.perHost.p99)} / ${fmt(storm.perHost.max)}`, ''],
        ['deltas sent / expected', `${storm.deltas} / ${storm.changed}`, verdict(storm.deltas === storm.changed)],
        ['snapshots sent (none needed)', storm.snapshots, verdict(storm.snapshots === 0)],
        ['deltas not starting at the held revision', storm.gaps, verdict(storm.gaps === 0)],
        ['changed hosts missing their new peer', storm.missing, verdict(storm.missing === 0)],
        ['controller CPU during the storm, s', storm.controllerCpuSeconds, ''],
        ['this benchmark CPU during the storm (the agents side), s', storm.benchCpuSeconds, ''],
      ],
    );
    for (const e of storm.errors.slice(0, 5)) process.stdout.write(`  error: ${e}\n`);

    const rssAfter = rssMb(controller.pid);
    printTable(
      `Memory (VmRSS; the controller runs from source with the swc require hook, as bench/api's does) (${load()})`,
      ['process', 'MB', 'goal'],
      [
        [`controller, ${HOSTS} hosts connected, before the one-write-per-host phase`, rssConnected, ''],
        ['controller, peak during the storm', storm.peakRssMb, `<= 500 MB: ${verdict(storm.peakRssMb <= 500)}`],
        [`controller, after the storm (${HOSTS} connected)`, rssAfter, `<= 500 MB: ${verdict(rssAfter <= 500)}`],
        [`this benchmark (${HOSTS} simulated agents), for context`, rssMb(process.pid), ''],
      ],
    );
  } finally {
    fleet.close();
    await controller.stop();
  }
}

const GROWTH_STEPS = [
  ['create host + interface (REST)', 'created'],
  ['enroll (CSR + token → certificate)', 'enrolled'],
  ['connect, Hello(0) → snapshot, acked', 'connected'],
] as const;

function printGrowth(rows: GrowthTimings[]): void {
  const total = rows.reduce((n, r) => n + r.hosts, 0);
  let first = 0;
  const table = rows.flatMap((g) => {
    const range = `${first + 1}-${(first += g.hosts)}`;
    return GROWTH_STEPS.map(([step, key]) => [range, step, g[key].seconds, g.hosts / g[key].seconds, g[key].perHost.p50, g[key].perHost.p99, g[key].perHost.max]);
  });
  // Percentiles of separate batches do not combine; their wall times do.
  if (rows.length > 1) {
    for (const [step, key] of GROWTH_STEPS) {
      const seconds = rows.reduce((n, r) => n + r[key].seconds, 0);
      table.push([`1-${total}`, `${step}, all`, seconds, total / seconds, '-', '-', '-']);
    }
  }
  printTable(`Provisioning (${CONCURRENCY} hosts in flight per step; per-host figures are each call's own time)`, ['hosts', 'step', 'seconds', 'hosts/s', 'per host p50 ms', 'p99 ms', 'max ms'], table);
}

function printLatency(rows: Array<{ hosts: number; result: LatencyResult; load: string }>): void {
  printTable(
    `API write → applied on the host: ${WRITES} peer creations one at a time on random hosts (after ${WARM_UP_WRITES} warm-up writes)`,
    ['hosts connected', 'measured until', 'samples', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'goal (50 hosts)', 'load'],
    rows.flatMap(({ hosts, result, load: l }) => {
      // A write that was never applied is no sample, so it fails the goal instead of flattering it.
      const ok = result.notApplied === 0 && result.applied.p50 <= 100 && result.applied.p99 <= 300;
      const goal = hosts === LATENCY_HOSTS ? `p50 <= 100, p99 <= 300: ${verdict(ok)}` : '';
      return [latencyRow(hosts, 'response says "applied": true', result.applied, goal, l), latencyRow(hosts, 'delta received by the agent', result.stream, '', l)];
    }),
  );
  const notApplied = rows.reduce((n, r) => n + r.result.notApplied, 0);
  if (notApplied > 0) process.stdout.write(`  ${notApplied} writes were not applied within their wait\n`);
}

function latencyRow(hosts: number, until: string, s: LatencySummary, goal: string, l: string): Array<string | number> {
  return [hosts, until, s.count, s.p50, s.p90, s.p99, s.max, goal, l];
}

function verdict(ok: boolean): string {
  return ok ? 'holds' : 'FAILS';
}

function fmt(n: number): string {
  return n.toFixed(1);
}

function load(): string {
  return `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});

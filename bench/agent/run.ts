// Agent data-plane benchmark (ARCHITECTURE.md goals: cold apply of 10,000 peers ≤ 3 s and of
// 50,000 ≤ 15 s; one peer added/changed/removed at 10,000 and 50,000 peers: apply p99 ≤ 50 ms and
// cost at 50,000 ≤ 1.5× cost at 100; agent RSS at 10,000 peers ≤ 150 MB).
//   npm run bench:agent       (root; builds its own network namespaces and removes them)
// Knobs (env): BENCH_SIZES=1000,10000,50000 (cold apply), BENCH_OP_SIZES=100,10000,50000
// (single-peer operations), BENCH_OPS=30 (repetitions of each operation), BENCH_NAIVE_TC_MAX=10000
// (the naive tc baseline is quadratic; skipped above), BENCH_REAPPLY_MAX=10000 (full re-apply of a
// configured host up to this size), BENCH_AGENT_PROCESS_MAX=10000 (RSS of a real `wgfleet-agent run`
// re-applying the state file, up to this size), BENCH_RAW=0 (skip the raw-tools baseline),
// BENCH_SETTLE_MS.
import { release } from 'node:os';
import { removeStaleLabs } from '@wgfleet/testing';
import { printTable, summarize } from '../api/stats';
import { agentProcessMemory, type AgentProcessFigures } from './agent-process';
import { agentRun, memory, type AgentFigures, type ApplyFigures, type MemoryFigures } from './agent-phases';
import { cleanUpOnSignals, load1, withHost } from './bench-host';
import { benchState, PEER_OPS, type PeerOp } from './bench-state';
import { rawBaseline, type RawTimes } from './raw-baseline';

const sizes = (name: string, fallback: string): number[] =>
  (process.env[name] ?? fallback)
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
const COLD_SIZES = sizes('BENCH_SIZES', '1000,10000,50000');
const OP_SIZES = sizes('BENCH_OP_SIZES', '100,10000,50000');
const OP_REPS = Number(process.env['BENCH_OPS'] ?? 30);
const NAIVE_TC_MAX = Number(process.env['BENCH_NAIVE_TC_MAX'] ?? 10_000);
const REAPPLY_MAX = Number(process.env['BENCH_REAPPLY_MAX'] ?? 10_000);
const AGENT_PROCESS_MAX = Number(process.env['BENCH_AGENT_PROCESS_MAX'] ?? 10_000);
const RAW = process.env['BENCH_RAW'] !== '0';

/** Goals of ARCHITECTURE.md, by peer count. */
const COLD_GOAL_MS: Record<number, number> = { 10_000: 3_000, 50_000: 15_000 };
const OP_P99_GOAL_MS = 50;
const OP_RATIO_GOAL = 1.5;
const RSS_GOAL: { peers: number; mb: number } = { peers: 10_000, mb: 150 };

interface SizeResult {
  peers: number;
  load1: number;
  raw: RawTimes | null;
  agent: AgentFigures;
  /** The real agent process re-applying the same state from its state file; null when not run. */
  agentProcess: AgentProcessFigures | null;
}

async function main(): Promise<void> {
  cleanUpOnSignals();
  await removeStaleLabs();
  const started = load1();
  process.stdout.write(
    `wgfleet bench/agent — ${new Date().toISOString()}, node ${process.version}, kernel ${release()}, wireguard-go, ` +
      `data plane in this process; load at start ${started.toFixed(2)}\n`,
  );
  const baseline = memory();
  const results: SizeResult[] = [];
  for (const peers of [...new Set([...COLD_SIZES, ...OP_SIZES])].sort((a, b) => a - b)) {
    const cold = COLD_SIZES.includes(peers);
    const raw = cold && RAW ? await withHost('raw', (host) => rawBaseline(host, benchState(host.ifname, peers), NAIVE_TC_MAX)) : null;
    const load = load1();
    const { agent, agentProcess } = await withHost('agent', async (host) => {
      const state = benchState(host.ifname, peers);
      const figures = await agentRun(host, state, { reapply: cold && peers <= REAPPLY_MAX, opReps: OP_SIZES.includes(peers) ? OP_REPS : 0 });
      return { agent: figures, agentProcess: peers <= AGENT_PROCESS_MAX ? await agentProcessMemory(host, state) : null };
    });
    results.push({ peers, load1: Math.max(load, load1()), raw, agent, agentProcess });
    process.stderr.write(`done: ${peers} peers (cold ${fmtMs(agent.cold.ms)}, load ${load1().toFixed(2)})\n`);
  }
  printCold(results.filter((r) => COLD_SIZES.includes(r.peers)));
  printOps(results.filter((r) => r.agent.ops !== null));
  printMemory(baseline, results);
  process.stdout.write(`\nload at end ${load1().toFixed(2)} (2-core machine shared with other work: figures are noisy)\n`);
}

function printCold(rows: SizeResult[]): void {
  const drivers = (a: ApplyFigures): string[] => ['wireguard', 'nftables', 'tc'].map((d) => fmtMs(a.drivers[d]));
  printTable(
    'Cold apply on a fresh host (WireGuard + nftables + tc, every peer shaped both ways; driver times overlap)',
    ['peers', 'agent', 'wg', 'nft', 'tc', 'raw total', 'wg setconf', 'nft -f', 'tc -batch naive', 'raw/agent', 'goal', 'met', 'load1'],
    rows.map((r) => {
      const raw = r.raw;
      const rawTotal = raw && raw.tcMs !== null ? raw.wgMs + raw.nftMs + raw.tcMs : null;
      const goal = COLD_GOAL_MS[r.peers];
      return [
        r.peers,
        fmtMs(r.agent.cold.ms),
        ...drivers(r.agent.cold),
        fmtMs(rawTotal),
        fmtMs(raw?.wgMs),
        fmtMs(raw?.nftMs),
        raw?.tcMs === null ? 'skipped' : fmtMs(raw?.tcMs),
        rawTotal === null ? '-' : `${(rawTotal / r.agent.cold.ms).toFixed(1)}x`,
        goal === undefined ? '-' : `<= ${fmtMs(goal)}`,
        goal === undefined ? '-' : met(r.agent.cold.ms <= goal),
        r.load1,
      ];
    }),
  );
  for (const note of new Set(rows.map((r) => r.raw?.skippedTc).filter((n): n is string => !!n))) process.stdout.write(`  note: ${note}\n`);
  const reapplied = rows.filter((r) => r.agent.reapply !== null);
  if (reapplied.length === 0) return;
  printTable(
    'Full re-apply of the same state on the configured host (boot, resync, drift repair; WireGuard sessions kept)',
    ['peers', 'agent', 'wg', 'nft', 'tc'],
    reapplied.map((r) => {
      const a = r.agent.reapply as ApplyFigures;
      return [r.peers, fmtMs(a.ms), ...drivers(a)];
    }),
  );
}

function printOps(rows: SizeResult[]): void {
  if (rows.length === 0) return;
  const samples = (r: SizeResult, op: PeerOp): ApplyFigures[] => r.agent.ops?.get(op) ?? [];
  const tableRows: Array<Array<string | number>> = [];
  for (const r of rows) {
    for (const op of PEER_OPS) {
      const s = summarize(samples(r, op).map((f) => f.ms));
      const driverP50 = (d: string): string => fmtMs(summarize(samples(r, op).map((f) => f.drivers[d] ?? 0)).p50);
      tableRows.push([r.peers, op, s.count, fmtMs(s.p50), fmtMs(s.p99), fmtMs(s.max), driverP50('wireguard'), driverP50('nftables'), driverP50('tc'), `<= ${OP_P99_GOAL_MS} ms`, met(s.p99 <= OP_P99_GOAL_MS)]);
    }
  }
  printTable(
    'One peer added / bandwidth changed / suspended / removed, via LinuxDataPlane.apply (incremental path)',
    ['peers present', 'op', 'n', 'p50', 'p99', 'max', 'wg p50', 'nft p50', 'tc p50', 'goal p99', 'met'],
    tableRows,
  );
  const small = rows[0] as SizeResult;
  const large = rows[rows.length - 1] as SizeResult;
  if (small === large) return;
  const ratio = (op: PeerOp, key: 'p50' | 'p99'): number =>
    summarize(samples(large, op).map((f) => f.ms))[key] / summarize(samples(small, op).map((f) => f.ms))[key];
  printTable(
    `Cost of one operation at ${large.peers} peers vs at ${small.peers}`,
    ['op', 'p50 ratio', 'p99 ratio', 'goal', 'met (p50)'],
    PEER_OPS.map((op) => [op, `${ratio(op, 'p50').toFixed(2)}x`, `${ratio(op, 'p99').toFixed(2)}x`, `<= ${OP_RATIO_GOAL}x`, met(ratio(op, 'p50') <= OP_RATIO_GOAL)]),
  );
}

function printMemory(baseline: MemoryFigures, rows: SizeResult[]): void {
  const goal = (peers: number, rssMb: number): string[] =>
    peers === RSS_GOAL.peers ? [`<= ${RSS_GOAL.mb} MB`, met(rssMb <= RSS_GOAL.mb)] : ['-', '-'];
  const procs = rows.filter((r) => r.agentProcess !== null);
  if (procs.length > 0) {
    printTable(
      'RSS of a real agent process (`wgfleet-agent run` re-applying its state file at boot; controller unreachable)',
      ['peers', 'RSS MB', 'peak RSS MB', 'goal', 'met'],
      procs.map((r) => {
        const p = r.agentProcess as AgentProcessFigures;
        return [r.peers, p.rssMb, p.peakRssMb, ...goal(r.peers, p.rssMb)];
      }),
    );
    process.stdout.write('  The agent runs from its TypeScript sources through the swc require hook (transpiler and inline source maps included), as the benchmark does.\n');
  }
  printTable(
    'Memory of this benchmark process after each host (it runs the data plane in-process, as the agent does)',
    ['peers', 'RSS MB', 'heap used MB', 'peak RSS MB so far'],
    [['none yet', baseline.rssMb, baseline.heapUsedMb, baseline.maxRssMb], ...rows.map((r) => [r.peers, r.agent.memory.rssMb, r.agent.memory.heapUsedMb, r.agent.memory.maxRssMb])],
  );
  process.stdout.write('  "none yet" is node + the swc transpiler + the benchmark\'s modules before any state.\n');
}

function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '-';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function met(ok: boolean): string {
  return ok ? 'yes' : 'NO';
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

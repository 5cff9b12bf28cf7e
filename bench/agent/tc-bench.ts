// tc driver micro-benchmark (root required; builds its own namespaces, removes them at the end).
//   node bench/agent/tc-bench.run.js                 # 1k / 10k / 50k
//   node bench/agent/tc-bench.run.js bench/agent/tc-bench.ts 1000 10000   # chosen sizes
// Measures, with both directions limited for every peer:
//   - full apply through TcDriver (fresh host, then a re-apply that replaces everything)
//   - the straightforward approach: one HTB device per direction (download on the interface
//     itself, upload on one IFB), one `tc -batch` with all classes and the same hashed filters
//   - single-peer add / change / remove latency through applyDiff at 100, 10k and 50k peers.
import { diffHostStates, type HostDesiredState, type PeerState } from '@wgfleet/domain';
import { ProcessCommandRunner } from '../../apps/agent/src/exec/command-runner';
import { buildDeviceBatch } from '../../apps/agent/src/drivers/tc/tc-batch';
import { TcDriver } from '../../apps/agent/src/drivers/tc/tc-driver';
import { shapedPeer, subnetOf, type IfbDevice } from '../../apps/agent/src/drivers/tc/tc-layout';
import { createTestNet, hostState, iface, peer, type TcTestNet } from '../../apps/agent/src/drivers/tc/tc-netns.testutil';

const CIDR = '100.64.0.1/16';
const OPS = 50;
/** The naive single-device build is quadratic; beyond this it would take minutes, so it is skipped. */
const NAIVE_MAX = 10_000;

function addressOf(shapingId: number): string {
  return `100.64.${shapingId >> 8}.${shapingId & 0xff}`;
}

function makeState(n: number, revision = 1): HostDesiredState {
  const peers: PeerState[] = [];
  for (let i = 0; i < n; i++) {
    const id = i + 2; // .0 is the network, .1 the host
    peers.push(peer(`p${id}`, addressOf(id), id, 1000 + (id % 50) * 100, 500 + (id % 20) * 100));
  }
  return hostState(revision, [iface('vh', CIDR, peers, 'if-vh')]);
}

async function withNet<T>(fn: (net: TcTestNet) => Promise<T>): Promise<T> {
  const net = await createTestNet({ thirdOctet: 0, prefix: 16 });
  try {
    return await fn(net);
  } finally {
    await net.destroy();
    // Namespace teardown frees qdiscs asynchronously; let it finish so it does not bill the next run.
    await new Promise((r) => setTimeout(r, 3000));
  }
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function naiveFull(n: number): Promise<number> {
  return withNet(async (net) => {
    const state = makeState(n);
    const i = state.interfaces[0]!;
    const subnet = subnetOf(i);
    const down: IfbDevice = { name: 'vh', ifname: 'vh', direction: 'down', shard: 0 };
    const up: IfbDevice = { name: 'naiveup', ifname: 'vh', direction: 'up', shard: 0 };
    const lines = [
      ...buildDeviceBatch(down, subnet, i.peers.map((p) => shapedPeer(p, 'down')!)).lines,
      ...buildDeviceBatch(up, subnet, i.peers.map((p) => shapedPeer(p, 'up')!)).lines,
      'qdisc add dev vh ingress',
      `filter add dev vh parent ffff: protocol ip u32 match ip src ${subnet.cidr} action mirred egress redirect dev naiveup`,
    ];
    await net.inHost('ip', ['link', 'add', 'naiveup', 'type', 'ifb']);
    await net.inHost('ip', ['link', 'set', 'naiveup', 'up']);
    const runner = new ProcessCommandRunner({ netns: net.host, timeoutMs: 0 });
    return time(() => runner.run('tc', ['-batch', '-'], { stdin: lines.join('\n') + '\n' }));
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
}

interface OpStats {
  add: number[];
  change: number[];
  remove: number[];
}

async function driverRun(n: number, withReapply: boolean): Promise<{ full: number; reapply: number | null; ops: OpStats }> {
  return withNet(async (net) => {
    const driver = new TcDriver(new ProcessCommandRunner({ netns: net.host, timeoutMs: 0 }));
    let state = makeState(n);
    const full = await time(() => driver.applyFull(state));
    const reapply = withReapply ? await time(() => driver.applyFull(state)) : null;
    const ops: OpStats = { add: [], change: [], remove: [] };
    const step = async (next: HostDesiredState, into: number[]): Promise<void> => {
      const diff = diffHostStates(state, next); // O(n) in JS, outside the timed driver call
      into.push(await time(() => driver.applyDiff(state, next, diff)));
      state = next;
    };
    for (let k = 0; k < OPS; k++) {
      const id = n + 2 + k;
      const base = state.interfaces[0]!;
      const added = peer(`x${id}`, addressOf(id), id, 3000, 2000);
      await step(hostState(state.revision + 1, [{ ...base, peers: [...base.peers, added] }]), ops.add);
      const changed = { ...added, bandwidth: { downloadKbit: 4000, uploadKbit: 2500 } };
      await step(hostState(state.revision + 1, [{ ...base, peers: [...base.peers, changed] }]), ops.change);
      await step(hostState(state.revision + 1, [{ ...base, peers: base.peers }]), ops.remove);
    }
    return { full, reapply, ops };
  });
}

const fmt = (ms: number | null): string => (ms === null ? '—' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const fullSizes = sizes.length > 0 ? sizes : [1_000, 10_000, 50_000];
  const opSizes = sizes.length > 0 ? sizes : [100, 10_000, 50_000];

  const fullRows: string[] = [];
  const opRows: string[] = [];
  const opsAt = new Map<number, OpStats>();
  for (const n of [...new Set([...fullSizes, ...opSizes])].sort((a, b) => a - b)) {
    const naive = fullSizes.includes(n) && n <= NAIVE_MAX ? await naiveFull(n) : null;
    const r = await driverRun(n, n <= NAIVE_MAX);
    opsAt.set(n, r.ops);
    if (fullSizes.includes(n)) {
      fullRows.push(`| ${n} | ${2 * n} | ${fmt(r.full)} | ${fmt(r.reapply)} | ${naive === null ? 'skipped (quadratic)' : fmt(naive)} | ${naive === null ? '—' : (naive / r.full).toFixed(1) + '×'} |`);
    }
    console.error(`done ${n}`);
  }
  for (const n of opSizes) {
    const o = opsAt.get(n)!;
    opRows.push(`| ${n} | ${fmt(pct(o.add, 50))} / ${fmt(pct(o.add, 99))} | ${fmt(pct(o.change, 50))} / ${fmt(pct(o.change, 99))} | ${fmt(pct(o.remove, 50))} / ${fmt(pct(o.remove, 99))} |`);
  }
  const small = opsAt.get(Math.min(...opSizes))!;
  const large = opsAt.get(Math.max(...opSizes))!;
  const all = (o: OpStats): number[] => [...o.add, ...o.change, ...o.remove];

  console.log('\nFull apply (both directions limited for every peer)\n');
  console.log('| peers | HTB classes | TcDriver fresh | TcDriver re-apply | naive one device/dir | naive / driver |');
  console.log('|---|---|---|---|---|---|');
  for (const r of fullRows) console.log(r);
  console.log(`\nSingle-peer applyDiff, ${OPS} ops each (p50 / p99)\n`);
  console.log('| peers present | add | change | remove |');
  console.log('|---|---|---|---|');
  for (const r of opRows) console.log(r);
  console.log(`\np50 ratio ${Math.max(...opSizes)} vs ${Math.min(...opSizes)} peers: ${(pct(all(large), 50) / pct(all(small), 50)).toFixed(2)}×`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

import type { HostDesiredState } from '@wgfleet/domain';
import { LinuxDataPlane, ProcessCommandRunner, TcDriver, type ApplyResult } from './agent-under-test';
import type { BenchHost } from './bench-host';
import { nextState, PEER_OPS, type PeerOp } from './bench-state';

// The agent's side of the benchmark: LinuxDataPlane with the tc driver, in this process (as in
// the agent), commands run in the host's namespace. Timings are taken around apply() from the
// caller's side, so they include validation and diffing, not just the drivers.

export interface ApplyFigures {
  /** Wall time of apply(), ms. */
  ms: number;
  /** Per driver, ms (during a full converge the drivers overlap, so these add up to more than ms). */
  drivers: Record<string, number>;
}

export interface MemoryFigures {
  rssMb: number;
  heapUsedMb: number;
  /** Peak RSS of the process so far. */
  maxRssMb: number;
}

export interface AgentFigures {
  cold: ApplyFigures;
  /** Full converge of the same state on the configured host (boot re-apply, resync, drift repair). */
  reapply: ApplyFigures | null;
  /** Single-peer operations through the incremental path. */
  ops: Map<PeerOp, ApplyFigures[]> | null;
  memory: MemoryFigures;
}

export interface AgentRunOptions {
  reapply: boolean;
  /** Repetitions of each single-peer operation; 0 = none. */
  opReps: number;
}

export async function agentRun(host: BenchHost, initial: HostDesiredState, opts: AgentRunOptions): Promise<AgentFigures> {
  const runner = new ProcessCommandRunner({ netns: host.ns.name, timeoutMs: 0 });
  const plane = new LinuxDataPlane(runner, { wireguard: { backend: 'wireguard-go' }, others: [new TcDriver(runner)] });
  const peers = initial.interfaces[0]?.peers.length ?? 0;

  const cold = await measured(() => plane.apply(initial), 'full');
  const reapply = opts.reapply ? await measured(() => plane.applyFull(initial), 'full') : null;

  let ops: Map<PeerOp, ApplyFigures[]> | null = null;
  if (opts.opReps > 0) {
    ops = new Map(PEER_OPS.map((op) => [op, []]));
    let state = initial;
    for (let k = 0; k < opts.opReps; k++) {
      for (const op of PEER_OPS) {
        const next = nextState(state, op, peers + k);
        ops.get(op)?.push(await measured(() => plane.apply(next), 'incremental'));
        state = next;
      }
    }
  }
  return { cold, reapply, ops, memory: memory() };
}

async function measured(apply: () => Promise<ApplyResult>, expect: ApplyResult['mode']): Promise<ApplyFigures> {
  const t = performance.now();
  const r = await apply();
  const ms = performance.now() - t;
  if (r.mode !== expect) throw new Error(`apply of revision ${r.revision} ran ${r.mode}, expected ${expect}${r.incrementalError ? `: ${r.incrementalError}` : ''}`);
  return { ms, drivers: Object.fromEntries(r.timings.map((d) => [d.driver, d.ms])) };
}

export function memory(): MemoryFigures {
  const m = process.memoryUsage();
  const mb = (bytes: number): number => bytes / 1024 / 1024;
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), maxRssMb: process.resourceUsage().maxRSS / 1024 };
}

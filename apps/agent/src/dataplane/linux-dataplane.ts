import { diffHostStates, isHostDiffEmpty, type HostDesiredState, type HostDiff } from '@wgfleet/domain';
import type { CommandRunner } from '../exec/command-runner';
import { NftablesDriver, type NftablesDriverOptions } from '../drivers/nftables/nftables-driver';
import { WireGuardDriver } from '../drivers/wireguard/wireguard-driver';
import type { WgLinkOptions } from '../drivers/wireguard/wg-link';
import { errorMessage } from '../log/logger';
import { assertValidChange, assertValidState } from '../net/validate';
import type { DataPlaneDriver } from './driver';
import type { ApplyResult, DataPlaneReport, DriftReport, DriverTiming } from './dataplane-report';

// The Linux data plane: WireGuard, nftables and the other drivers (tc). Whatever hangs off an
// interface needs it to exist first, so a full converge lets WireGuard create its interfaces
// (prepare) and then runs every driver's applyFull concurrently, and an incremental apply that
// adds, removes or reconfigures an interface runs the drivers in that order. Otherwise — peer and
// port-forward changes, the hot path — the drivers' work is independent and overlaps too. Why
// overlap: at 10,000+ peers WireGuard's work is CPU in wireguard-go (one X25519 per new peer)
// while tc's is kernel work under RTNL, so a cold apply on a 2-core host takes the longer of the
// two rather than their sum; a one-peer change waits for one process round trip, not three.
// Applies are serialized: the sync loop and the drift loop may call concurrently.
//
// apply(next) is incremental when this process has applied a state before, and a full converge
// otherwise (fresh start, after a failure): a new process cannot trust that the host still
// matches what it applied last time, and a full converge is cheap and keeps WireGuard sessions.

export interface LinuxDataPlaneOptions {
  wireguard?: WgLinkOptions;
  nftables?: NftablesDriverOptions;
  /** Further drivers (tc), applied after WireGuard and nftables. */
  others?: DataPlaneDriver[];
}

export class LinuxDataPlane {
  readonly wireguard: WireGuardDriver;
  readonly nftables: NftablesDriver;
  private readonly others: DataPlaneDriver[];
  private last: HostDesiredState | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(runner: CommandRunner, opts: LinuxDataPlaneOptions = {}) {
    this.wireguard = new WireGuardDriver(runner, opts.wireguard);
    this.nftables = new NftablesDriver(runner, opts.nftables);
    this.others = opts.others ?? [];
  }

  /** The last state applied successfully by this process, or null. */
  get applied(): HostDesiredState | null {
    return this.last;
  }

  private get drivers(): DataPlaneDriver[] {
    return [this.wireguard, this.nftables, ...this.others];
  }

  /** Makes the host match `next`: by diff from the last applied state, else (or on failure) in full. */
  apply(next: HostDesiredState): Promise<ApplyResult> {
    return this.serialize(async () => {
      const prev = this.last;
      if (!prev || prev.hostId !== next.hostId) {
        assertValidState(next);
        return this.converge(next, null);
      }
      const started = performance.now();
      const diff = diffHostStates(prev, next);
      // prev was validated when it was applied: check only what the diff brings in (O(change)).
      assertValidChange(next, diff);
      if (isHostDiffEmpty(diff)) {
        this.last = next;
        return { revision: next.revision, mode: 'noop', incrementalError: null, ms: performance.now() - started, timings: [] };
      }
      let timings: DriverTiming[];
      try {
        const mode = changesInterfaces(diff) ? 'in-order' : 'concurrent';
        timings = await runDrivers(this.drivers, mode, (d) => d.applyDiff(prev, next, diff));
      } catch (e) {
        // The host did not match `prev` (hand edit, earlier partial failure): converge instead.
        return this.converge(next, errorMessage(e));
      }
      this.last = next;
      return { revision: next.revision, mode: 'incremental', incrementalError: null, ms: performance.now() - started, timings };
    });
  }

  /** Full converge, whatever was applied before (boot from the state file, drift repair). */
  applyFull(next: HostDesiredState): Promise<ApplyResult> {
    return this.serialize(async () => {
      assertValidState(next);
      return this.converge(next, null);
    });
  }

  /** Compares the host with the last applied state (or `state`). Cheap enough for a periodic loop. */
  async detectDrift(state: HostDesiredState | null = this.last): Promise<DriftReport> {
    if (!state) throw new Error('detectDrift: nothing applied yet');
    const drift: Record<string, string[]> = {};
    for (const d of this.drivers) {
      const lines = d.detectDrift ? await d.detectDrift(state) : [];
      if (lines.length > 0) drift[d.name] = lines;
    }
    return { revision: state.revision, drift, inSync: Object.keys(drift).length === 0 };
  }

  /** One drift-loop tick: detect, and if anything drifted, converge in full. Serialized with applies. */
  repairDrift(): Promise<{ drift: DriftReport; repair: ApplyResult | null }> {
    return this.serialize(async () => {
      const state = this.last;
      if (!state) throw new Error('repairDrift: nothing applied yet');
      const drift = await this.detectDrift(state);
      return { drift, repair: drift.inSync ? null : await this.converge(state, null) };
    });
  }

  async readReport(): Promise<DataPlaneReport> {
    const state = this.last;
    if (!state) throw new Error('readReport: nothing applied yet');
    const others: Record<string, unknown> = {};
    for (const d of this.others) if (d.report) others[d.name] = await d.report(state);
    return {
      hostId: state.hostId,
      revision: state.revision,
      readAt: new Date().toISOString(),
      wireguard: await this.wireguard.report(state),
      nftables: await this.nftables.report(),
      others,
    };
  }

  /** Removes everything every driver owns (uninstall, tests), in reverse order. */
  removeAll(state: HostDesiredState): Promise<void> {
    return this.serialize(async () => {
      this.last = null;
      for (const d of [...this.drivers].reverse()) if (d.removeAll) await d.removeAll(state);
    });
  }

  private async converge(next: HostDesiredState, incrementalError: string | null): Promise<ApplyResult> {
    // Until the converge succeeds the host is in an unknown state: the next apply must be full too.
    this.last = null;
    const started = performance.now();
    // First the interfaces every other driver hangs off, then all drivers at once.
    const prepareMs = new Map<string, number>();
    for (const d of this.drivers) {
      const prepare = d.prepare?.bind(d);
      if (prepare) prepareMs.set(d.name, (await timed(d.name, () => prepare(next))).ms);
    }
    const applied = await runDrivers(this.drivers, 'concurrent', (d) => d.applyFull(next));
    const timings = applied.map((t) => ({ driver: t.driver, ms: t.ms + (prepareMs.get(t.driver) ?? 0) }));
    this.last = next;
    return { revision: next.revision, mode: 'full', incrementalError, ms: performance.now() - started, timings };
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

async function timed(driver: string, fn: () => Promise<void>): Promise<DriverTiming> {
  const t = performance.now();
  await fn();
  return { driver, ms: performance.now() - t };
}

/**
 * Runs `step` for every driver, one after the other or all at once; timings in driver order.
 * Concurrently, every step is awaited before the first failure is thrown: a failed driver must
 * not leave the others running behind the caller's back (the caller converges next).
 */
async function runDrivers(drivers: DataPlaneDriver[], mode: 'in-order' | 'concurrent', step: (d: DataPlaneDriver) => Promise<void>): Promise<DriverTiming[]> {
  if (mode === 'in-order') {
    const out: DriverTiming[] = [];
    for (const d of drivers) out.push(await timed(d.name, () => step(d)));
    return out;
  }
  const results = await Promise.allSettled(drivers.map((d) => timed(d.name, () => step(d))));
  const out: DriverTiming[] = [];
  for (const r of results) {
    if (r.status === 'rejected') throw r.reason;
    out.push(r.value);
  }
  return out;
}

/** Whether a diff creates, removes or reconfigures an interface (rather than only its peers and forwards). */
function changesInterfaces(diff: HostDiff): boolean {
  return diff.addedInterfaces.length > 0 || diff.removedInterfaces.length > 0 || diff.changedInterfaces.some((d) => d.settingsChanged);
}

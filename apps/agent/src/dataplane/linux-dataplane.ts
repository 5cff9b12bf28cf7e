import { diffHostStates, isHostDiffEmpty, type HostDesiredState } from '@wgfleet/domain';
import type { CommandRunner } from '../exec/command-runner';
import { NftablesDriver, type NftablesDriverOptions } from '../drivers/nftables/nftables-driver';
import { WireGuardDriver } from '../drivers/wireguard/wireguard-driver';
import type { WgLinkOptions } from '../drivers/wireguard/wg-link';
import { assertValidState } from '../net/validate';
import type { DataPlaneDriver } from './driver';
import type { ApplyResult, DataPlaneReport, DriftReport, DriverTiming } from './dataplane-report';

// The Linux data plane: WireGuard, then nftables, then the other drivers (tc), so later drivers
// find the interfaces they hang off. Applies are serialized: the sync loop and the drift loop
// may call concurrently.
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
      assertValidState(next);
      const prev = this.last;
      if (!prev || prev.hostId !== next.hostId) return this.converge(next, null);
      const started = performance.now();
      const diff = diffHostStates(prev, next);
      if (isHostDiffEmpty(diff)) {
        this.last = next;
        return { revision: next.revision, mode: 'noop', incrementalError: null, ms: performance.now() - started, timings: [] };
      }
      const timings: DriverTiming[] = [];
      try {
        for (const d of this.drivers) await timed(timings, d.name, () => d.applyDiff(prev, next, diff));
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
    const timings: DriverTiming[] = [];
    for (const d of this.drivers) await timed(timings, d.name, () => d.applyFull(next));
    this.last = next;
    return { revision: next.revision, mode: 'full', incrementalError, ms: performance.now() - started, timings };
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

async function timed(out: DriverTiming[], driver: string, fn: () => Promise<void>): Promise<void> {
  const t = performance.now();
  try {
    await fn();
  } finally {
    out.push({ driver, ms: performance.now() - t });
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

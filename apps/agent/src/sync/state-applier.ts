import type { HostDesiredState } from '@wgfleet/domain';
import type { DriverTiming } from '../dataplane/dataplane-report';
import type { LinuxDataPlane } from '../dataplane/linux-dataplane';
import { errorMessage, type Logger } from '../log/logger';
import type { StateStore } from '../state/state-store';
import type { AgentStatusFile } from './agent-status';

// Applies desired states to the host and keeps the last applied one: in memory (the base that
// the next delta builds on), on disk (re-applied at boot, fail-static) and in status.json.
// The disk copy is written only after the host accepted a state, and off the acknowledgement's
// path: serializing a 50,000-peer state and fsyncing it must not delay a one-peer apply. Saves
// coalesce (the newest state wins). A crash before a save lands re-applies an older state at
// boot, and the Hello that follows announces that older revision, so the controller resends
// what is missing.

export interface ApplyOutcome {
  revision: number;
  ok: boolean;
  /** Why the apply failed; null when ok. */
  error: string | null;
  durationMs: number;
  mode: 'full' | 'incremental' | 'noop';
  timings: DriverTiming[];
}

export class StateApplier {
  private last: HostDesiredState | null = null;
  /** The newest state not yet handed to the store; null when the disk is up to date. */
  private unsaved: HostDesiredState | null = null;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly dataplane: Pick<LinuxDataPlane, 'apply' | 'applyFull'>,
    private readonly store: Pick<StateStore, 'load' | 'save'>,
    private readonly status: AgentStatusFile,
    private readonly log: Logger,
  ) {}

  /** The last state the host accepted, or null when none (fresh host, or the boot apply failed). */
  get applied(): HostDesiredState | null {
    return this.last;
  }

  /**
   * Re-applies the state file in full before the controller is reachable. A state of another host
   * (re-enrolled under a new id) is left alone: the controller will send this host's state.
   */
  async restore(hostId: string): Promise<ApplyOutcome | null> {
    let stored: HostDesiredState | null;
    try {
      stored = await this.store.load();
    } catch (e) {
      this.log.error('cannot read the last applied state; waiting for the controller', { error: errorMessage(e) });
      return null;
    }
    if (!stored) return null;
    if (stored.hostId !== hostId) {
      this.log.warn('the state file belongs to another host id; not applying it', { stateHostId: stored.hostId, hostId });
      return null;
    }
    return this.run(stored, 'full');
  }

  /** Makes the host match `next` (by diff from the last applied state when there is one). Never throws. */
  apply(next: HostDesiredState): Promise<ApplyOutcome> {
    return this.run(next, 'auto');
  }

  /** Resolves once the last applied state is on disk (shutdown). */
  flush(): Promise<void> {
    return this.saving;
  }

  private async run(next: HostDesiredState, how: 'full' | 'auto'): Promise<ApplyOutcome> {
    const started = performance.now();
    try {
      const r = how === 'full' ? await this.dataplane.applyFull(next) : await this.dataplane.apply(next);
      this.last = next;
      this.persist(next);
      if (r.incrementalError) this.log.warn('incremental apply failed, converged in full instead', { revision: next.revision, error: r.incrementalError });
      const outcome: ApplyOutcome = { revision: next.revision, ok: true, error: null, durationMs: performance.now() - started, mode: r.mode, timings: r.timings };
      void this.status.update({ lastAppliedRevision: next.revision, lastAppliedAt: new Date().toISOString(), lastApply: { mode: r.mode, ms: round(outcome.durationMs) } });
      return outcome;
    } catch (e) {
      // The data plane now needs a full converge (LinuxDataPlane forgets its base on failure).
      // The last good state stays the one on disk and in `applied`.
      const error = errorMessage(e);
      this.log.error('apply failed', { revision: next.revision, error });
      void this.status.update({ lastError: error, lastErrorAt: new Date().toISOString() });
      return { revision: next.revision, ok: false, error, durationMs: performance.now() - started, mode: 'full', timings: [] };
    }
  }

  private persist(state: HostDesiredState): void {
    const idle = this.unsaved === null;
    this.unsaved = state;
    // A save in progress picks the newest state up when it is done.
    if (!idle) return;
    this.saving = this.saving.then(async () => {
      for (let s = this.unsaved; s !== null; s = this.unsaved) {
        this.unsaved = null;
        try {
          await this.store.save(s);
        } catch (e) {
          // The host runs the state anyway; the next apply tries again.
          this.log.error('cannot save the applied state', { revision: s.revision, error: errorMessage(e) });
        }
      }
    });
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

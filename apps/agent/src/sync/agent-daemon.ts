import type { DriftReport } from '../dataplane/dataplane-report';
import { errorMessage, type Logger } from '../log/logger';
import type { AgentStatusFile } from './agent-status';
import { Backoff } from './backoff';
import { renewalDue, renewCertificate } from './certificate-renewal';
import type { ControllerLink } from './controller-link';
import type { HostFacts } from './facts';
import type { StateApplier } from './state-applier';
import { SyncSession, type SessionReports, type SessionTiming } from './sync-session';

// `wgfleet-agent run`: re-apply the state file (fail-static), then hold a Connect stream to the
// controller forever, reconnecting with jittered backoff. Independently of the connection, a
// drift loop repairs the host and a renewal loop keeps the certificate fresh.

export interface DaemonTiming extends SessionTiming {
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /** A connection that lasted this long counts as healthy: the reconnect backoff starts over. */
  healthyAfterMs: number;
  driftCheckMs: number;
  renewalCheckMs: number;
}

export const DEFAULT_TIMING: DaemonTiming = {
  keepaliveMs: 20_000,
  statsMs: 30_000,
  reportMinIntervalMs: 10_000,
  retryInitialMs: 1_000,
  retryMaxMs: 60_000,
  reconnectInitialMs: 1_000,
  reconnectMaxMs: 60_000,
  healthyAfterMs: 60_000,
  driftCheckMs: 60_000,
  renewalCheckMs: 3_600_000,
};

/**
 * Drift detection and repair (LinuxDataPlane.repairDrift, serialized with applies by the data
 * plane); null when there is nothing applied to compare with.
 */
export type RepairDrift = () => Promise<{ drift: DriftReport; repair: unknown } | null>;

export interface DaemonDeps {
  hostId: string;
  stateDir: string;
  link: ControllerLink;
  applier: StateApplier;
  status: AgentStatusFile;
  reports: SessionReports;
  repairDrift: RepairDrift;
  facts: () => Promise<HostFacts>;
  log: Logger;
  timing: DaemonTiming;
}

export class AgentDaemon {
  private stopped = false;
  private session: SyncSession | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private wakeUp: (() => void) | null = null;
  private forceSnapshot = false;

  constructor(private readonly deps: DaemonDeps) {}

  /** Runs until stop(). */
  async run(): Promise<void> {
    const { applier, hostId, log, timing } = this.deps;
    await this.deps.status.update({ connected: false });
    const restored = await applier.restore(hostId);
    if (restored) log.info('re-applied the last applied state', { revision: restored.revision, ok: restored.ok, ms: Math.round(restored.durationMs) });
    // The first drift check waits a full interval: the restore above just converged the host.
    this.every(timing.driftCheckMs, () => this.checkDrift(), false);
    this.every(timing.renewalCheckMs, () => this.renewIfDue(), true);
    await this.connectForever();
    await applier.flush();
  }

  /** Closes the stream and returns once the loop ended. The data plane is left as it is (fail-static). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.session?.close();
    this.wakeUp?.();
  }

  private async connectForever(): Promise<void> {
    const { link, log, status, timing } = this.deps;
    const backoff = new Backoff({ initialMs: timing.reconnectInitialMs, maxMs: timing.reconnectMaxMs });
    while (!this.stopped) {
      const started = Date.now();
      try {
        const stream = await link.connect();
        const session = new SyncSession(stream, this.deps.applier, this.deps.reports, timing, log, () => {
          log.info('connected to the controller');
          void status.update({ connected: true, lastConnectedAt: new Date().toISOString() });
        });
        this.session = session;
        if (this.stopped) session.close();
        const end = await session.run(await this.deps.facts(), this.forceSnapshot);
        this.forceSnapshot = end.desync;
        if (end.opened && Date.now() - started >= timing.healthyAfterMs) backoff.reset();
        if (!this.stopped) log.warn('the controller stream ended');
      } catch (e) {
        if (!this.stopped) log.warn('controller stream failed', { error: errorMessage(e) });
      } finally {
        this.session = null;
      }
      await status.update({ connected: false });
      if (this.stopped) break;
      await this.sleep(backoff.next());
    }
  }

  private async checkDrift(): Promise<void> {
    try {
      const result = await this.deps.repairDrift();
      if (!result) return;
      const { drift, repair } = result;
      const lines = Object.entries(drift.drift).flatMap(([driver, l]) => l.map((x) => `${driver}: ${x}`));
      const repaired = !drift.inSync && repair !== null;
      await this.deps.status.update({ lastDrift: { at: new Date().toISOString(), inSync: drift.inSync, repaired, lines } });
      if (drift.inSync) return;
      this.deps.log.warn('drift repaired', { revision: drift.revision, findings: lines });
      this.session?.reportDrift(drift.revision, lines, repaired);
    } catch (e) {
      this.deps.log.error('drift check failed', { error: errorMessage(e) });
      await this.deps.status.update({ lastDrift: { at: new Date().toISOString(), inSync: false, repaired: false, lines: [errorMessage(e)] } });
    }
  }

  private async renewIfDue(): Promise<void> {
    const { stateDir, hostId, link, log } = this.deps;
    try {
      if (!(await renewalDue(stateDir, new Date()))) return;
      const notAfter = await renewCertificate(stateDir, hostId, (csr) => link.renew(csr));
      log.info('certificate renewed; reconnecting with it', { notAfter: notAfter.toISOString() });
      // A stream lives as long as its TLS session, possibly past the old certificate's expiry:
      // move to the new certificate now (a reconnect resyncs without touching the data plane).
      this.session?.close();
    } catch (e) {
      // Retried at the next check; the current certificate is still valid for a third of its life.
      log.warn('certificate renewal failed', { error: errorMessage(e) });
    }
  }

  /** Runs `fn` every `ms` (and at once if `now`), skipping a tick while the previous run is still going. */
  private every(ms: number, fn: () => Promise<void>, now: boolean): void {
    let running = false;
    const tick = (): void => {
      if (running || this.stopped) return;
      running = true;
      void fn().finally(() => (running = false));
    };
    this.timers.push(setInterval(tick, ms));
    if (now) tick();
  }

  /** A reconnect delay that stop() cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakeUp = wake;
    });
  }
}

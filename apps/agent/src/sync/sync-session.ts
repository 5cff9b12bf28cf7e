import type { HostDesiredState } from '@wgfleet/domain';
import type { Logger } from '../log/logger';
import { Backoff } from './backoff';
import type { AgentEvent, ControllerEvent, ControllerStream } from './controller-link';
import type { HostFacts } from './facts';
import { ChangedPeerFilter, type PeerFigures } from './peer-stats';
import type { ApplyOutcome, StateApplier } from './state-applier';
import { ThrottledTask } from './throttled-task';

// One Connect stream, from Hello to its end. Controller messages are handled strictly one after
// another: a delta is built on the state the controller last sent (`desired`), applied, and
// acknowledged before the next message is looked at, so acks come in revision order.
//
// `desired` starts as the last applied state (what Hello announced). When an apply fails, the
// failure is acknowledged, `desired` still moves on (the next delta builds on what the controller
// sent, not on what the host runs), and the apply is retried with backoff until it succeeds or a
// newer state supersedes it; the success is acknowledged then.

export interface SessionTiming {
  keepaliveMs: number;
  statsMs: number;
  /** Dataplane reports (after applies, on request) at most this often. */
  reportMinIntervalMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export interface SessionReports {
  /** JSON of what the host really runs. */
  dataplaneJson(): Promise<string>;
  peerFigures(state: HostDesiredState): Promise<PeerFigures[]>;
}

export interface SessionEnd {
  /** The controller sent a delta that does not start where we are: reconnect asking for a snapshot. */
  desync: boolean;
  /** Whether the controller accepted the stream (the connection really worked). */
  opened: boolean;
}

export class SyncSession {
  private desired: HostDesiredState | null;
  private readonly retry: Backoff;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly dataplaneReport: ThrottledTask;
  private readonly stats: ThrottledTask;
  private readonly statsFilter = new ChangedPeerFilter();
  private work: Promise<void> = Promise.resolve();
  private closed = false;
  private desync = false;

  constructor(
    private readonly stream: ControllerStream,
    private readonly applier: StateApplier,
    private readonly reports: SessionReports,
    private readonly timing: SessionTiming,
    private readonly log: Logger,
    /** Called once when the controller accepted the stream. */
    private readonly onConnected: () => void,
  ) {
    this.desired = applier.applied;
    this.retry = new Backoff({ initialMs: timing.retryInitialMs, maxMs: timing.retryMaxMs });
    this.dataplaneReport = new ThrottledTask(() => this.sendDataplaneReport(), timing.reportMinIntervalMs);
    this.stats = new ThrottledTask(() => this.sendStats(), timing.statsMs);
  }

  /** Says Hello, then handles the controller's messages until the stream ends or close() is called. */
  async run(facts: HostFacts, forceSnapshot: boolean): Promise<SessionEnd> {
    let opened = false;
    void this.stream.opened.then(() => {
      if (this.closed) return;
      opened = true;
      this.onConnected();
    });
    // 0 asks for a full snapshot: nothing applied, or after a desync.
    this.send({ kind: 'hello', appliedRevision: forceSnapshot ? 0 : (this.desired?.revision ?? 0), facts });
    this.every(this.timing.keepaliveMs, () => this.send({ kind: 'keepalive', sentAtUnixMs: Date.now() }));
    // Not through the apply queue: reading 10,000 peers' counters must not delay a one-peer apply.
    this.every(this.timing.statsMs, () => this.stats.request());
    try {
      for await (const event of this.stream.events) {
        if (this.closed) break;
        this.handle(event);
      }
    } finally {
      this.close();
      // Let the apply in progress finish: the host is never left halfway by our own choice.
      await this.work;
    }
    return { desync: this.desync, opened };
  }

  /** Ends the session; safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.dataplaneReport.stop();
    this.stats.stop();
    this.stream.close();
  }

  /** Sends a drift report if the stream is open (the drift loop runs whether connected or not). */
  reportDrift(revision: number, findings: string[], repaired: boolean): void {
    this.send({ kind: 'drift', revision, findings, repaired });
  }

  private handle(event: ControllerEvent): void {
    switch (event.kind) {
      case 'snapshot':
        this.enqueue(() => this.adopt(event.state));
        return;
      case 'delta':
        this.enqueue(() => this.applyDelta(event));
        return;
      case 'reportRequest':
        this.dataplaneReport.request();
        return;
      case 'keepalive':
        return;
    }
  }

  private async applyDelta(event: Extract<ControllerEvent, { kind: 'delta' }>): Promise<void> {
    const base = this.desired;
    if (!base || base.revision !== event.fromRevision) {
      // Building on the wrong base would make the host diverge silently. Start over with a snapshot.
      this.log.warn('delta does not start at our revision; resyncing with a snapshot', {
        ours: base?.revision ?? null,
        from: event.fromRevision,
        to: event.toRevision,
      });
      this.desync = true;
      this.close();
      return;
    }
    let next: HostDesiredState;
    try {
      next = event.applyTo(base);
    } catch (e) {
      this.log.error('cannot apply the delta to our state; resyncing with a snapshot', { to: event.toRevision, error: String(e) });
      this.desync = true;
      this.close();
      return;
    }
    await this.adopt(next);
  }

  /** Makes `next` the desired state and applies it. */
  private async adopt(next: HostDesiredState): Promise<void> {
    this.desired = next;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.applyDesired();
  }

  private async applyDesired(): Promise<void> {
    const target = this.desired;
    if (!target || this.closed) return;
    const outcome = await this.applier.apply(target);
    this.acknowledge(outcome);
    if (outcome.ok) {
      this.retry.reset();
      this.dataplaneReport.request();
      return;
    }
    const delay = this.retry.next();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      // Only if nothing newer arrived meanwhile (adopt clears the timer, but be explicit).
      if (this.desired === target) this.enqueue(() => this.applyDesired());
    }, delay);
  }

  private acknowledge(outcome: ApplyOutcome): void {
    this.send({ kind: 'applyResult', result: outcome });
  }

  private async sendStats(): Promise<void> {
    const state = this.applier.applied;
    if (!state || this.closed) return;
    try {
      const peers = this.statsFilter.changed(await this.reports.peerFigures(state));
      if (peers.length > 0) this.send({ kind: 'stats', revision: state.revision, peers });
    } catch (e) {
      this.log.warn('cannot read peer statistics', { error: String(e) });
    }
  }

  private async sendDataplaneReport(): Promise<void> {
    const state = this.applier.applied;
    if (!state || this.closed) return;
    try {
      this.send({ kind: 'dataplane', revision: state.revision, reportJson: await this.reports.dataplaneJson() });
    } catch (e) {
      this.log.warn('cannot read the dataplane report', { error: String(e) });
    }
  }

  private send(event: AgentEvent): void {
    if (this.closed) return;
    try {
      this.stream.send(event);
    } catch (e) {
      // A broken stream ends the events iteration too; that is where it is handled.
      this.log.warn('cannot send to the controller', { kind: event.kind, error: String(e) });
    }
  }

  private enqueue(job: () => Promise<void>): void {
    this.work = this.work.then(job).catch((e: unknown) => this.log.error('sync job failed', { error: String(e) }));
  }

  private every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms));
  }
}

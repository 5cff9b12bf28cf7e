import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { hostDeltaToProto, hostStateToProto, type AgentMessage__Output, type ControllerMessage } from '@wgfleet/proto';
import type { JsonLogger } from '../../common/json-logger';
import type { AgentReportsService } from './agent-reports.service';
import { HostGoneError, type HostStateReader } from './host-state.reader';

export type ConnectCall = ServerDuplexStream<AgentMessage__Output, ControllerMessage>;

export interface SessionDeps {
  reader: HostStateReader;
  reports: AgentReportsService;
  logger: JsonLogger;
  /** Called once when the stream is over, whichever side ended it. */
  onClosed(session: AgentSession): void;
}

/**
 * One agent's Connect stream on this replica. The controller tracks the revision of the state
 * the agent holds (what it said in Hello, then what was sent since) and sends whatever takes it
 * to the current revision: a delta when the change records allow, else a snapshot. Syncs run one
 * at a time; a change that arrives during one triggers another, so bursts coalesce.
 */
export class AgentSession {
  /** Revision of the state the agent holds; null until it said hello. */
  private held: number | null = null;
  /** The last-seen time this session recorded: its disconnect must not undo a newer sighting. */
  private lastSeenAt: Date | null = null;
  private syncing = false;
  private syncAgain = false;
  private closed = false;
  private recordedEnd: Promise<void> = Promise.resolve();
  /** Agent messages are handled in order (a result must not overtake its hello). */
  private inbox: Promise<void> = Promise.resolve();

  constructor(
    readonly hostId: string,
    readonly serial: string,
    private readonly call: ConnectCall,
    private readonly deps: SessionDeps,
  ) {
    call.on('data', (m: AgentMessage__Output) => {
      this.inbox = this.inbox.then(() => this.handle(m)).catch((e: unknown) => this.fail(status.UNAVAILABLE, 'cannot record what the agent sent', e));
    });
    call.on('end', () => this.close());
    call.on('cancelled', () => this.close());
    call.on('error', () => this.close());
    // grpc-js destroys the call when the agent cancels; 'close' also covers any other teardown.
    call.on('close', () => this.close());
    // A call that ended before this session existed emits none of these again.
    if (call.cancelled || call.destroyed) this.close();
  }

  /** Whether the stream is over (then the session must not be registered, or it never leaves). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Settles once the end of the stream is recorded (awaited when the replica shuts down). */
  get finished(): Promise<void> {
    return this.recordedEnd;
  }

  /** A write made host revision `revision` desired (possibly on another replica). */
  desiredChanged(revision: number): void {
    if (this.held !== null && revision > this.held) this.requestSync();
  }

  /** The host is alive as of `at` (the replica refreshes every open stream's last-seen time). */
  seen(at: Date): void {
    this.lastSeenAt = at;
    this.send({ keepalive: { sentAtUnixMs: Date.now() } });
  }

  /** Ends the stream with a status the agent can act on (e.g. re-enroll on UNAUTHENTICATED). */
  fail(code: status, details: string, cause?: unknown): void {
    if (this.closed) return;
    if (cause !== undefined) this.deps.logger.warn('agent stream failed', { hostId: this.hostId, error: cause instanceof Error ? cause.message : String(cause) });
    this.call.emit('error', Object.assign(new Error(details), { code, details }));
    this.close();
  }

  /** Ends the stream normally (the replica shuts down: the agent reconnects elsewhere). */
  end(): void {
    if (this.closed) return;
    this.call.end();
    this.close();
  }

  private async handle(m: AgentMessage__Output): Promise<void> {
    if (this.closed) return;
    if (m.body !== 'hello' && this.held === null) return this.fail(status.FAILED_PRECONDITION, 'the first message on a stream must be Hello');
    switch (m.body) {
      case 'hello':
        if (!m.hello) return;
        this.lastSeenAt = await this.deps.reports.hello(this.hostId, m.hello.facts ? { ...m.hello.facts } : null, m.hello.facts?.agentVersion || null);
        this.held = m.hello.appliedRevision;
        this.requestSync();
        // A fresh view of the data plane after every (re)connect; later ones come on the agent's schedule.
        this.send({ reportRequest: {} });
        return;
      case 'applyResult':
        if (m.applyResult) await this.deps.reports.applied(this.hostId, m.applyResult);
        return;
      case 'stats':
        if (m.stats) await this.deps.reports.stats(this.hostId, m.stats.peers);
        return;
      case 'dataplane':
        if (m.dataplane && !(await this.deps.reports.dataplane(this.hostId, m.dataplane.revision, m.dataplane.reportJson))) {
          this.deps.logger.warn('agent sent a data-plane report that is not JSON', { hostId: this.hostId });
        }
        return;
      case 'drift':
        if (m.drift && m.drift.findings.length > 0) {
          this.deps.logger.info('agent found drift', { hostId: this.hostId, revision: m.drift.revision, findings: m.drift.findings.length, repaired: m.drift.repaired });
        }
        return;
      default:
        // Keepalives need no answer: the replica's periodic refresh records the host as seen.
        return;
    }
  }

  private requestSync(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    void this.syncLoop();
  }

  private async syncLoop(): Promise<void> {
    try {
      do {
        this.syncAgain = false;
        await this.syncOnce();
      } while (this.syncAgain && !this.closed);
    } catch (e) {
      if (e instanceof HostGoneError) this.fail(status.NOT_FOUND, 'this host no longer exists');
      // The agent reconnects and says hello again, which resyncs from what it really holds.
      else this.fail(status.UNAVAILABLE, 'cannot read the desired state', e);
    } finally {
      this.syncing = false;
    }
  }

  private async syncOnce(): Promise<void> {
    if (this.held === null || this.closed) return;
    const next = await this.deps.reader.next(this.hostId, this.held);
    if (next.kind === 'delta') {
      this.send({ delta: hostDeltaToProto(next.delta) });
      this.held = next.delta.toRevision;
    } else if (next.kind === 'snapshot') {
      this.send({ snapshot: hostStateToProto(next.state) });
      this.held = next.state.revision;
    }
  }

  private send(message: ControllerMessage): void {
    if (!this.closed) this.call.write(message);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.deps.onClosed(this);
    const lastSeenAt = this.lastSeenAt;
    if (!lastSeenAt) return;
    this.recordedEnd = this.deps.reports.disconnected(this.hostId, lastSeenAt).catch((e: unknown) => {
      this.deps.logger.warn('cannot record an agent disconnect', { hostId: this.hostId, error: e instanceof Error ? e.message : String(e) });
    });
  }
}

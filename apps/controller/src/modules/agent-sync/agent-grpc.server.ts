import * as grpc from '@grpc/grpc-js';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AGENT_SERVER_OPTIONS, loadAgentProto, type AgentServiceHandlers, type EnrollResponse, type RenewResponse } from '@wgfleet/proto';
import { JsonLogger } from '../../common/json-logger';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { RevisionEventsService } from '../revisions/revision-events.service';
import { CsrError } from '../pki/certificate-authority';
import { PkiService } from '../pki/pki.service';
import { AgentMetrics } from './agent-metrics';
import { AgentReportsService } from './agent-reports.service';
import { AgentSession, type ConnectCall } from './agent-session';
import { EnrollmentRefusedError, EnrollmentService } from './enrollment.service';
import { HostStateReader } from './host-state.reader';
import { staticCertificateProvider } from './static-certificate-provider';

/** A caller that is not (or no longer) a host: gRPC status and the message the agent shows. */
class CallerError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

const SHUTDOWN_GRACE_MS = 2_000;

/**
 * The agents' gRPC endpoint (TLS, client certificates from the agents' CA). Enroll needs no
 * client certificate, so the TLS layer asks for one without requiring it, and every other call
 * checks it here: issued by our CA, naming a host whose current serial it carries.
 */
@Injectable()
export class AgentGrpcServer implements OnApplicationBootstrap, OnModuleDestroy {
  private server: grpc.Server | null = null;
  private boundPort: number | null = null;
  private readonly sessions = new Map<string, Set<AgentSession>>();
  private readonly unsubscribe: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pki: PkiService,
    private readonly enrollment: EnrollmentService,
    private readonly reader: HostStateReader,
    private readonly reports: AgentReportsService,
    private readonly events: RevisionEventsService,
    private readonly metrics: AgentMetrics,
    private readonly logger: JsonLogger,
  ) {}

  /** The port the endpoint listens on (the configured one, or the one picked for port 0); null when disabled. */
  get port(): number | null {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Every replica sweeps, gRPC or not: a replica that died cannot mark its own hosts offline.
    const tickMs = (this.config.agents.offlineAfterSeconds * 1000) / 3;
    this.timer = setInterval(() => void this.sweep(), tickMs);
    this.timer.unref();
    if (!this.config.grpc.enabled) return;
    this.unsubscribe.push(
      this.events.onDesired((e) => this.sessions.get(e.hostId)?.forEach((s) => s.desiredChanged(e.revision))),
      this.enrollment.onRevoked(
        (hostId) =>
          void this.dropRevoked(hostId).catch((e: unknown) =>
            this.logger.warn('cannot check agent streams after a revocation', { hostId, error: e instanceof Error ? e.message : String(e) }),
          ),
      ),
    );
    const server = new grpc.Server(AGENT_SERVER_OPTIONS);
    server.addService(loadAgentProto().AgentService.service, this.handlers());
    const identity = await this.pki.serverIdentity();
    const provider = staticCertificateProvider(this.pki.caCertificatePem, identity);
    // One provider serves both the CA and the identity, so the argument order (which differs
    // between grpc-js's typings and its implementation) cannot matter. Not requiring a client
    // certificate lets Enroll through; the other calls check theirs in `authenticate`.
    const credentials = grpc.experimental.createCertificateProviderServerCredentials(provider, provider, false);
    const host = this.config.grpc.host.includes(':') ? `[${this.config.grpc.host}]` : this.config.grpc.host;
    this.boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${this.config.grpc.port}`, credentials, (e, port) => (e ? reject(e) : resolve(port))),
    );
    this.server = server;
    this.logger.info('agent gRPC endpoint listening', { host: this.config.grpc.host, port: this.boundPort, caFingerprint: this.pki.caFingerprint });
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const u of this.unsubscribe) u();
    const server = this.server;
    if (!server) return;
    this.server = null;
    const open = [...this.sessions.values()].flatMap((set) => [...set]);
    for (const s of open) s.end();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, SHUTDOWN_GRACE_MS);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    await Promise.all(open.map((s) => s.finished));
  }

  private handlers(): AgentServiceHandlers {
    return {
      Enroll: (call, callback) => {
        const { token, csrPem, facts } = call.request;
        if (!token || !csrPem) return callback(this.toStatus(new CallerError(grpc.status.INVALID_ARGUMENT, 'token and csr_pem are required')));
        this.enrollment.enroll(token, csrPem, facts ? { ...facts } : null, facts?.agentVersion || null, sourceIp(call.getPeer())).then(
          (r) => callback(null, { hostId: r.hostId, certificatePem: r.certificatePem, caCertificatePem: r.caCertificatePem } satisfies EnrollResponse),
          (e: unknown) => callback(this.toStatus(e)),
        );
      },
      Renew: (call, callback) => {
        this.authenticate(call, (hostId, serial) => this.enrollment.accepts(hostId, serial))
          .then(({ hostId, serial }) => this.enrollment.renew(hostId, serial, call.request.csrPem, sourceIp(call.getPeer())))
          .then(
            (r) => callback(null, { certificatePem: r.certificatePem, caCertificatePem: r.caCertificatePem } satisfies RenewResponse),
            (e: unknown) => callback(this.toStatus(e)),
          );
      },
      Connect: (call: ConnectCall) => {
        // Buffer the agent's first messages while the certificate is checked.
        call.pause();
        this.authenticate(call, (hostId, serial) => this.enrollment.acceptsConnect(hostId, serial)).then(
          ({ hostId, serial }) => {
            // The agent may have gone during the check: its 'cancelled' already fired, so a session
            // opened now would never hear of it and keep the host "online" forever.
            if (call.cancelled || call.destroyed) return;
            const session = new AgentSession(hostId, serial, call, { reader: this.reader, reports: this.reports, logger: this.logger, onClosed: (s) => this.forget(s) });
            if (!session.isClosed) this.open(session);
            call.resume();
          },
          (e: unknown) => call.emit('error', this.toStatus(e)),
        );
      },
    };
  }

  /** The host a call comes from: its client certificate must be one the host accepts (`accepted`). */
  private async authenticate(
    call: Pick<ConnectCall, 'getAuthContext'>,
    accepted: (hostId: string, serial: string) => Promise<boolean>,
  ): Promise<{ hostId: string; serial: string }> {
    const raw = call.getAuthContext().sslPeerCertificate?.raw;
    const verified = raw ? this.pki.verifyHostCertificate(raw) : null;
    if (!verified) throw new CallerError(grpc.status.UNAUTHENTICATED, 'a client certificate from this controller is required (enroll first)');
    if (!(await accepted(verified.hostId, verified.serial))) {
      throw new CallerError(grpc.status.UNAUTHENTICATED, 'this certificate was replaced or its host deleted: enroll again');
    }
    return verified;
  }

  private open(session: AgentSession): void {
    let set = this.sessions.get(session.hostId);
    if (!set) {
      set = new Set();
      this.sessions.set(session.hostId, set);
    }
    set.add(session);
    this.metrics.streams.inc();
  }

  private forget(session: AgentSession): void {
    const set = this.sessions.get(session.hostId);
    // A session that closed before it was registered was never counted.
    if (!set?.delete(session)) return;
    this.metrics.streams.dec();
    if (set.size === 0) this.sessions.delete(session.hostId);
  }

  /** Open Connect streams of `hostId` on this replica. */
  streamCount(hostId: string): number {
    return this.sessions.get(hostId)?.size ?? 0;
  }

  /** A certificate of the host was revoked (enrolled again, renewal completed, host deleted): streams whose certificate no longer passes end. */
  private async dropRevoked(hostId: string): Promise<void> {
    for (const s of this.sessions.get(hostId) ?? []) {
      if (!(await this.enrollment.accepts(hostId, s.serial))) s.fail(grpc.status.UNAUTHENTICATED, 'this certificate was revoked (replaced, or its host deleted)');
    }
  }

  /**
   * Records every host with a stream here as seen, then marks hosts nobody has seen for a while
   * offline. Runs on a timer on every replica; public so tests can run one sweep.
   */
  async sweep(): Promise<void> {
    try {
      const seen = await this.reports.touch([...this.sessions.keys()]);
      for (const [hostId, at] of seen) this.sessions.get(hostId)?.forEach((s) => s.seen(at));
      await this.reports.markStaleOffline();
    } catch (e) {
      this.logger.warn('cannot refresh agent presence', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Known refusals keep their status; anything else is logged and hidden behind INTERNAL. */
  private toStatus(e: unknown): Partial<grpc.StatusObject> {
    if (e instanceof CallerError) return { code: e.code, details: e.message };
    if (e instanceof EnrollmentRefusedError) return { code: grpc.status.PERMISSION_DENIED, details: e.message };
    if (e instanceof CsrError) return { code: grpc.status.INVALID_ARGUMENT, details: e.message };
    this.logger.error('agent call failed', { error: e instanceof Error ? e.message : String(e) });
    return { code: grpc.status.INTERNAL, details: 'internal error' };
  }
}

/** grpc-js names the peer "1.2.3.4:5678" or "[::1]:5678"; the audit log wants the address. */
function sourceIp(peer: string): string | null {
  const m = /^\[?([^\]]*?)\]?:\d+$/.exec(peer);
  return m?.[1] ? m[1].slice(0, 64) : null;
}

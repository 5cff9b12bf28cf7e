import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { JsonObject } from '../../common/json';
import { isUuid } from '../../common/validation';
import { RevisionEventsService } from '../revisions/revision-events.service';
import { AgentMetrics } from './agent-metrics';
import { splitDataplaneReport, type InterfaceRef } from './dataplane-split';

export interface ApplyAck {
  revision: number;
  ok: boolean;
  error: string;
  durationMs: number;
  /** "full" | "incremental" | "noop" */
  mode: string;
}

const MODES = new Set(['full', 'incremental', 'noop']);

export interface PeerCounters {
  peerId: string;
  /** WireGuard's raw counters, which restart from 0 when the interface does. */
  rxBytes: number;
  txBytes: number;
  /** Unix seconds; 0 = never. */
  latestHandshakeUnix: number;
  endpoint: string;
}

/** Error texts come from the host (command output); they are shown, not parsed, and kept short. */
const MAX_ERROR_LENGTH = 2_000;

/**
 * Everything agents report, written to Postgres: presence, facts, acknowledgements, peer
 * counters, data-plane reports. Every statement is scoped by the host id of the stream's
 * certificate, so an agent can only ever write about its own host.
 */
@Injectable()
export class AgentReportsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: RevisionEventsService,
    private readonly metrics: AgentMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The agent said hello: online, with its facts (null: keep the known ones). Returns the recorded last-seen time. */
  async hello(hostId: string, facts: JsonObject | null, agentVersion: string | null): Promise<Date> {
    const rows = (await this.dataSource.query(
      `UPDATE hosts SET status = 'online', last_seen_at = now(), facts = COALESCE($2::jsonb, facts), agent_version = COALESCE($3, agent_version)
        WHERE id = $1 RETURNING last_seen_at`,
      [hostId, facts ? JSON.stringify(facts) : null, agentVersion],
    )) as [Array<{ last_seen_at: Date }>, number];
    return rows[0][0]?.last_seen_at ?? new Date();
  }

  /**
   * The hosts with an open stream on this replica are alive, in one statement for all of them.
   * Also undoes an offline mark the stale sweep made during a hiccup.
   */
  async touch(hostIds: string[]): Promise<Map<string, Date>> {
    if (hostIds.length === 0) return new Map();
    const rows = (await this.dataSource.query(`UPDATE hosts SET status = 'online', last_seen_at = now() WHERE id = ANY($1::uuid[]) RETURNING id, last_seen_at`, [
      hostIds,
    ])) as [Array<{ id: string; last_seen_at: Date }>, number];
    return new Map(rows[0].map((r) => [r.id, r.last_seen_at]));
  }

  /**
   * The stream ended. Only if nobody has seen the host since this stream last did: the agent may
   * already be connected again, to this replica or another.
   */
  async disconnected(hostId: string, lastSeenAt: Date): Promise<void> {
    await this.dataSource.query(`UPDATE hosts SET status = 'offline' WHERE id = $1 AND status = 'online' AND last_seen_at <= $2`, [hostId, lastSeenAt]);
  }

  /** Hosts whose stream died with its replica (no disconnect was recorded) go offline here. */
  async markStaleOffline(): Promise<void> {
    await this.dataSource.query(`UPDATE hosts SET status = 'offline' WHERE status = 'online' AND last_seen_at < now() - make_interval(secs => $1)`, [
      this.config.agents.offlineAfterSeconds,
    ]);
  }

  async applied(hostId: string, ack: ApplyAck): Promise<void> {
    // The mode label is bounded: an agent cannot grow the metric's series with made-up values.
    const labels = { result: ack.ok ? 'ok' : 'error', mode: MODES.has(ack.mode) ? ack.mode : 'other' };
    if (Number.isFinite(ack.durationMs) && ack.durationMs >= 0) this.metrics.applyDuration.observe(labels, ack.durationMs / 1000);
    if (!ack.ok) {
      const error = ack.error.slice(0, MAX_ERROR_LENGTH) || 'apply failed';
      await this.dataSource.query(
        `WITH h AS (UPDATE hosts SET last_error = $3 WHERE id = $1)
         UPDATE host_changes SET error = $3 WHERE host_id = $1 AND revision = $2`,
        [hostId, ack.revision, error],
      );
      return;
    }
    // An agent cannot apply a revision that does not exist yet; acks may arrive out of order.
    // Only the revisions between the old and the new applied one are marked, so an ack costs the
    // same however long the host's history is.
    const rows = (await this.dataSource.query(
      `WITH old AS (SELECT applied_revision FROM hosts WHERE id = $1 FOR UPDATE),
            h AS (
              UPDATE hosts SET applied_revision = GREATEST(hosts.applied_revision, LEAST($2::bigint, hosts.desired_revision)),
                               applied_at = now(), last_error = NULL
               WHERE id = $1 RETURNING applied_revision),
            c AS (
              UPDATE host_changes SET applied_at = now(), error = NULL
               WHERE host_id = $1 AND revision > (SELECT applied_revision FROM old) AND revision <= (SELECT applied_revision FROM h))
       SELECT applied_revision::text AS revision FROM h`,
      [hostId, ack.revision],
    )) as Array<{ revision: string }>;
    const revision = Number(rows[0]?.revision ?? 0);
    if (revision > 0) this.events.publishApplied(hostId, revision);
  }

  /**
   * Peer counters. Totals are cumulative: each report adds the growth since the previous raw
   * value, and a raw value below the previous one means the interface restarted, so all of it is
   * new. The same growth is added to the peer's hourly usage bucket.
   */
  async stats(hostId: string, peers: PeerCounters[]): Promise<void> {
    const latest = new Map<string, PeerCounters>();
    for (const p of peers) {
      if (isUuid(p.peerId) && isCounter(p.rxBytes) && isCounter(p.txBytes)) latest.set(p.peerId, p);
    }
    if (latest.size === 0) return;
    const rows = [...latest.values()];
    await this.dataSource.query(
      `WITH input AS (
         SELECT * FROM unnest($2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[]) AS t(peer_id, rx, tx, hs, ep)
       ), d AS (
         SELECT p.id, i.rx, i.tx, i.hs, i.ep,
                CASE WHEN i.rx >= p.rx_raw THEN i.rx - p.rx_raw ELSE i.rx END AS drx,
                CASE WHEN i.tx >= p.tx_raw THEN i.tx - p.tx_raw ELSE i.tx END AS dtx
           FROM input i JOIN peers p ON p.id = i.peer_id AND p.host_id = $1
            FOR UPDATE OF p
       ), u AS (
         UPDATE peers p SET rx_bytes = p.rx_bytes + d.drx, tx_bytes = p.tx_bytes + d.dtx, rx_raw = d.rx, tx_raw = d.tx,
                last_handshake_at = CASE WHEN d.hs > 0 THEN to_timestamp(d.hs) ELSE p.last_handshake_at END,
                endpoint = NULLIF(left(d.ep, 64), ''), stats_at = now()
           FROM d WHERE p.id = d.id
       )
       INSERT INTO peer_usage (peer_id, hour, rx_bytes, tx_bytes)
       SELECT id, date_trunc('hour', now()), drx, dtx FROM d WHERE drx > 0 OR dtx > 0
       ON CONFLICT (peer_id, hour) DO UPDATE SET rx_bytes = peer_usage.rx_bytes + EXCLUDED.rx_bytes, tx_bytes = peer_usage.tx_bytes + EXCLUDED.tx_bytes`,
      [
        hostId,
        rows.map((r) => r.peerId),
        rows.map((r) => r.rxBytes),
        rows.map((r) => r.txBytes),
        rows.map((r) => (isCounter(r.latestHandshakeUnix) ? r.latestHandshakeUnix : 0)),
        rows.map((r) => r.endpoint),
      ],
    );
  }

  /** What the host really runs, stored per interface. A report that is not JSON is dropped. */
  async dataplane(hostId: string, revision: number, reportJson: string): Promise<boolean> {
    let report: unknown;
    try {
      report = JSON.parse(reportJson);
    } catch {
      return false;
    }
    const interfaces = (await this.dataSource.query(`SELECT id, name, text(address) AS address FROM interfaces WHERE host_id = $1`, [hostId])) as InterfaceRef[];
    const parts = splitDataplaneReport(report, interfaces);
    if (parts.length === 0) return true;
    await this.dataSource.query(
      `INSERT INTO dataplane_reports (interface_id, host_id, revision, report, reported_at)
       SELECT x.interface_id, $1, $2, x.report, now() FROM jsonb_to_recordset($3::jsonb) AS x(interface_id uuid, report jsonb)
        WHERE EXISTS (SELECT 1 FROM interfaces i WHERE i.id = x.interface_id)
       ON CONFLICT (interface_id) DO UPDATE SET revision = EXCLUDED.revision, report = EXCLUDED.report, reported_at = EXCLUDED.reported_at`,
      [hostId, revision, JSON.stringify(parts.map((p) => ({ interface_id: p.interfaceId, report: p.report })))],
    );
    return true;
  }
}

function isCounter(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SYSTEM_ACTOR } from '../../access/principal';
import { HostWriter } from '../../revisions/host-writer';

export interface EnforcePeerLimitsPayload {
  /** Peers handled per run; the schedule comes back for the rest. */
  batch: number;
}

/** Suspends peers past their expiresAt (reason "expired") or over their quota (reason "quota"). */
@Injectable()
export class EnforcePeerLimitsJob {
  constructor(
    private readonly dataSource: DataSource,
    private readonly writer: HostWriter,
  ) {}

  async run(payload: EnforcePeerLimitsPayload): Promise<{ suspended: number }> {
    const due = (await this.dataSource.query(
      `SELECT id, host_id, CASE WHEN expires_at IS NOT NULL AND expires_at <= now() THEN 'expired' ELSE 'quota' END AS reason
         FROM peers
        WHERE suspended_reason IS NULL
          AND ((expires_at IS NOT NULL AND expires_at <= now()) OR (quota_bytes IS NOT NULL AND rx_bytes + tx_bytes >= quota_bytes))
        LIMIT $1`,
      [payload.batch],
    )) as Array<{ id: string; host_id: string; reason: 'expired' | 'quota' }>;
    if (due.length === 0) return { suspended: 0 };
    await this.writer.write(SYSTEM_ACTOR, async (tx) => {
      for (const peer of due) {
        // Re-checked in the UPDATE: a panel may have extended the peer since the SELECT.
        const rows = (await tx.manager.query(
          `UPDATE peers SET suspended_reason = $2, suspended_at = now(), suspended_message = NULL, updated_at = now()
            WHERE id = $1 AND suspended_reason IS NULL
              AND ((expires_at IS NOT NULL AND expires_at <= now()) OR (quota_bytes IS NOT NULL AND rx_bytes + tx_bytes >= quota_bytes))
            RETURNING id`,
          [peer.id, peer.reason],
        )) as [unknown[], number];
        if (rows[1] === 0) continue;
        tx.changed(peer.host_id, { resource: 'peer', id: peer.id, op: 'upsert' });
        tx.audit({ action: 'peer.suspend', resourceType: 'peer', resourceId: peer.id, hostId: peer.host_id, details: { reason: peer.reason } });
      }
    });
    return { suspended: due.length };
  }
}

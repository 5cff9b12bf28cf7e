import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ApiError } from '../../common/api-error';
import { isTransientDatabaseError } from '../../common/db-errors';
import { HostEntity } from '../hosts/host.entity';
import { InterfaceEntity } from '../interfaces/interface.entity';
import type { Actor } from '../access/principal';
import type { ChangeRecord } from './host-change.entity';
import { KeyedQueue } from './keyed-queue';
import { RevisionEventsService } from './revision-events.service';
import type { JsonObject } from '../../common/json';

export interface AuditEntry {
  action: string;
  resourceType: string;
  resourceId: string | null;
  hostId?: string | null;
  /** Never secrets: keys and tokens are left out by the callers. */
  details?: JsonObject;
}

/**
 * One write transaction. Lock order is always interface → host (hosts are locked last, when
 * revisions are bumped), which keeps racing writers deadlock-free.
 */
export class WriteTx {
  readonly changes = new Map<string, ChangeRecord[]>();
  readonly auditEntries: AuditEntry[] = [];

  constructor(readonly manager: EntityManager) {}

  /** Records that a host's desired state changed; its revision is bumped at commit. */
  changed(hostId: string, change: ChangeRecord): void {
    const list = this.changes.get(hostId) ?? [];
    list.push(change);
    this.changes.set(hostId, list);
  }

  audit(entry: AuditEntry): void {
    this.auditEntries.push(entry);
  }

  /** Serializes writers of one host (allocation of names, ports and subnets). */
  async lockHost(hostId: string): Promise<HostEntity> {
    const host = await this.manager.getRepository(HostEntity).findOne({ where: { id: hostId }, lock: { mode: 'pessimistic_write' } });
    if (!host) throw ApiError.notFound('Host');
    return host;
  }

  /** Serializes writers of one interface (address allocation, peer changes). */
  async lockInterface(interfaceId: string): Promise<InterfaceEntity> {
    const iface = await this.manager.getRepository(InterfaceEntity).findOne({ where: { id: interfaceId }, lock: { mode: 'pessimistic_write' } });
    if (!iface) throw ApiError.notFound('Interface');
    return iface;
  }
}

export interface WriteResult<T> {
  value: T;
  /** New desired revision of every host the write changed. */
  revisions: Map<string, number>;
}

export interface WriteOptions {
  /**
   * Writes of this process with the same key run one after another (see KeyedQueue): for hot
   * paths whose transactions all lock the same row, e.g. `interface:<id>` for peer creates.
   */
  queue?: string;
}

const ATTEMPTS = 3;

@Injectable()
export class HostWriter {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: RevisionEventsService,
  ) {}

  /**
   * Runs `work` in a transaction; then, in the same transaction, bumps the revision of each host
   * it changed, records the changes and writes the audit events. Deadlocks and serialization
   * failures are retried, so `work` must only touch the database.
   */
  async write<T>(actor: Actor, work: (tx: WriteTx) => Promise<T>, options: WriteOptions = {}): Promise<WriteResult<T>> {
    if (options.queue !== undefined) return this.queue.run(options.queue, () => this.write(actor, work));
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.dataSource.transaction((manager) => this.run(manager, actor, work));
        for (const [hostId, revision] of result.revisions) this.events.publishDesired(hostId, revision);
        return result;
      } catch (e) {
        if (attempt >= ATTEMPTS || !isTransientDatabaseError(e)) throw e;
      }
    }
  }

  private async run<T>(manager: EntityManager, actor: Actor, work: (tx: WriteTx) => Promise<T>): Promise<WriteResult<T>> {
    const tx = new WriteTx(manager);
    const value = await work(tx);
    const revisions = new Map<string, number>();
    // Sorted, so two transactions touching the same hosts lock them in the same order. The bump,
    // its change record and its audit events are one statement: a host's row is locked from here
    // to COMMIT, and every round trip in between would serialize that host's writers longer.
    for (const hostId of [...tx.changes.keys()].sort()) {
      const entries = tx.auditEntries.filter((e) => e.hostId === hostId);
      const rows = (await manager.query(
        `WITH bumped AS (
           UPDATE hosts SET desired_revision = desired_revision + 1, updated_at = now() WHERE id = $1 RETURNING id, desired_revision
         ), recorded AS (
           INSERT INTO host_changes (host_id, revision, changes, actor) SELECT id, desired_revision, $2::jsonb, $3 FROM bumped
         ), audited AS (
           INSERT INTO audit_events (actor_key_id, actor_name, source_ip, action, resource_type, resource_id, host_id, revision, details)
           SELECT $4, $3, $5, r.action, r.resource_type, r.resource_id, bumped.id, bumped.desired_revision, r.details
             FROM bumped, jsonb_to_recordset($6::jsonb) AS r(action varchar, resource_type varchar, resource_id varchar, details jsonb)
         )
         SELECT desired_revision FROM bumped`,
        [hostId, JSON.stringify(tx.changes.get(hostId) ?? []), actor.name, actor.keyId, actor.sourceIp, JSON.stringify(entries.map(auditRow))],
      )) as Array<{ desired_revision: string }>;
      const revision = Number(rows[0]?.desired_revision);
      if (!revision) throw ApiError.notFound('Host');
      revisions.set(hostId, revision);
    }
    const unbumped = tx.auditEntries.filter((e) => !e.hostId || !revisions.has(e.hostId));
    if (unbumped.length > 0) await insertAuditEvents(manager, actor, unbumped);
    return { value, revisions };
  }
}

function auditRow(e: AuditEntry) {
  return { action: e.action, resource_type: e.resourceType, resource_id: e.resourceId, host_id: e.hostId ?? null, details: e.details ?? {} };
}

/** Audit events of writes that changed no host's desired state (API keys, host metadata, tokens). */
async function insertAuditEvents(manager: EntityManager, actor: Actor, entries: AuditEntry[]): Promise<void> {
  await manager.query(
    `INSERT INTO audit_events (actor_key_id, actor_name, source_ip, action, resource_type, resource_id, host_id, details)
     SELECT $1, $2, $3, r.action, r.resource_type, r.resource_id, r.host_id, r.details
       FROM jsonb_to_recordset($4::jsonb) AS r(action varchar, resource_type varchar, resource_id varchar, host_id uuid, details jsonb)`,
    [actor.keyId, actor.name, actor.sourceIp, JSON.stringify(entries.map(auditRow))],
  );
}

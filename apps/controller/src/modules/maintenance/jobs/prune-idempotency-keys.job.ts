import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IDEMPOTENCY_TTL_MS } from '../../idempotency/idempotency.interceptor';

export type PruneIdempotencyKeysPayload = Record<string, never>;

/** Drops stored idempotent responses older than their 24 h replay window. */
@Injectable()
export class PruneIdempotencyKeysJob {
  constructor(private readonly dataSource: DataSource) {}

  async run(): Promise<{ deleted: number }> {
    const [, deleted] = (await this.dataSource.query(`DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1)`, [IDEMPOTENCY_TTL_MS / 1000])) as [
      unknown,
      number,
    ];
    return { deleted };
  }
}

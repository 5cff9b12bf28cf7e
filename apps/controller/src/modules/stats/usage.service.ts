import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiError } from '../../common/api-error';
import { PeerEntity } from '../peers/peer.entity';
import type { UsageItemDto, UsageQuery } from '../peers/peers.dto';

type Granularity = 'hour' | 'day' | 'month';

const DAY = 86_400_000;
/** Default look-back and the widest range per granularity, so one request returns a bounded list. */
const RANGE: Record<Granularity, { defaultMs: number; maxMs: number }> = {
  hour: { defaultMs: DAY, maxMs: 31 * DAY },
  day: { defaultMs: 30 * DAY, maxMs: 366 * DAY },
  month: { defaultMs: 365 * DAY, maxMs: 3660 * DAY },
};

/** Traffic per peer from the hourly buckets agents report, rolled up in UTC. */
@Injectable()
export class UsageService {
  constructor(private readonly dataSource: DataSource) {}

  async peerUsage(peerId: string, query: UsageQuery): Promise<{ items: UsageItemDto[] }> {
    if (!(await this.dataSource.getRepository(PeerEntity).existsBy({ id: peerId }))) throw ApiError.notFound('Peer');
    const granularity = query.granularity ?? 'day';
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - RANGE[granularity].defaultMs);
    if (from.getTime() >= to.getTime()) throw ApiError.invalid('from', 'from must be before to');
    if (to.getTime() - from.getTime() > RANGE[granularity].maxMs) {
      throw ApiError.invalid('from', `a ${granularity} series covers at most ${RANGE[granularity].maxMs / DAY} days`);
    }
    const rows = (await this.dataSource.query(
      `SELECT date_trunc($2, hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start,
              sum(rx_bytes)::text AS rx, sum(tx_bytes)::text AS tx
         FROM peer_usage
        WHERE peer_id = $1 AND hour >= date_trunc('hour', $3::timestamptz) AND hour < $4
        GROUP BY 1 ORDER BY 1`,
      [peerId, granularity, from.toISOString(), to.toISOString()],
    )) as Array<{ start: Date; rx: string; tx: string }>;
    return { items: rows.map((r) => ({ start: r.start.toISOString(), rxBytes: Number(r.rx), txBytes: Number(r.tx) })) };
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiError } from '../../common/api-error';
import { InterfaceEntity } from '../interfaces/interface.entity';
import type { DataplaneDto } from './stats.dto';

interface StoredReport {
  wireguard?: unknown;
  nftables?: unknown;
  tc?: unknown;
}

/** What a host reported it really runs for an interface (written by the agent sync). */
@Injectable()
export class DataplaneService {
  constructor(private readonly dataSource: DataSource) {}

  async forInterface(interfaceId: string): Promise<DataplaneDto> {
    const iface = await this.dataSource.getRepository(InterfaceEntity).findOne({ where: { id: interfaceId }, select: { id: true, hostId: true } });
    if (!iface) throw ApiError.notFound('Interface');
    const [row] = (await this.dataSource.query(`SELECT revision::text AS revision, report, reported_at FROM dataplane_reports WHERE interface_id = $1`, [interfaceId])) as Array<{
      revision: string;
      report: StoredReport;
      reported_at: Date;
    }>;
    return {
      interfaceId,
      hostId: iface.hostId,
      state: row ? 'reported' : 'pending',
      revision: row ? Number(row.revision) : null,
      reportedAt: row?.reported_at.toISOString() ?? null,
      wireguard: row?.report.wireguard ?? null,
      nftables: row?.report.nftables ?? null,
      tc: row?.report.tc ?? null,
    };
  }
}

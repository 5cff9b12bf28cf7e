import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { paginate, type Page } from '../../common/pagination';
import type { AuditEventDto, AuditQuery } from './audit.dto';
import { AuditEventEntity } from './audit-event.entity';

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>) {}

  /** Newest first. */
  async list(query: AuditQuery): Promise<Page<AuditEventDto>> {
    const qb = this.events.createQueryBuilder('e');
    if (query.resourceType) qb.andWhere('e.resource_type = :resourceType', { resourceType: query.resourceType });
    if (query.resourceId) qb.andWhere('e.resource_id = :resourceId', { resourceId: query.resourceId });
    if (query.hostId) qb.andWhere('e.host_id = :hostId', { hostId: query.hostId });
    if (query.action) qb.andWhere('e.action = :action', { action: query.action });
    const page = await paginate(qb, 'e', query, 'DESC');
    return { items: page.items.map(toAuditEventDto), nextCursor: page.nextCursor };
  }
}

function toAuditEventDto(e: AuditEventEntity): AuditEventDto {
  return {
    id: e.id,
    createdAt: e.createdAt.toISOString(),
    actor: { keyId: e.actorKeyId, name: e.actorName },
    sourceIp: e.sourceIp,
    action: e.action,
    resourceType: e.resourceType,
    resourceId: e.resourceId,
    hostId: e.hostId,
    revision: e.revision,
    details: e.details,
  };
}

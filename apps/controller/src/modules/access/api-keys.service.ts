import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { generateApiKey, hashApiSecret, parseApiKey } from '@wgfleet/domain';
import type { Repository } from 'typeorm';
import { ApiError } from '../../common/api-error';
import { JsonLogger } from '../../common/json-logger';
import { paginate, type Page, type PageQuery } from '../../common/pagination';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { HostWriter } from '../revisions/host-writer';
import { PubSubService } from '../../infra/pubsub.service';
import { ApiKeyEntity } from './api-key.entity';
import { CredentialsService, KEY_REVOKED_CHANNEL } from './credentials.service';
import type { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-keys.dto';
import type { Actor } from './principal';

@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly writer: HostWriter,
    private readonly logger: JsonLogger,
    private readonly credentials: CredentialsService,
    private readonly pubsub: PubSubService,
  ) {}

  /** Registers WGFLEET_BOOTSTRAP_ADMIN_KEY so a fresh install is scriptable. */
  async onApplicationBootstrap(): Promise<void> {
    const parts = this.config.bootstrapAdminKey ? parseApiKey(this.config.bootstrapAdminKey) : null;
    if (!parts) return;
    const inserted = (await this.keys.query(
      `INSERT INTO api_keys (id, name, role, secret_hash) VALUES ($1, $2, 'admin', $3) ON CONFLICT DO NOTHING RETURNING id`,
      [parts.id, `bootstrap-admin-${parts.id}`, hashApiSecret(parts.secret)],
    )) as unknown[];
    if (inserted.length > 0) this.logger.info('bootstrap admin key registered', { keyId: parts.id });
  }

  async create(dto: CreateApiKeyDto, actor: Actor): Promise<CreatedApiKeyDto> {
    if (dto.expiresAt && Date.parse(dto.expiresAt) <= Date.now()) throw ApiError.invalid('expiresAt', 'expiresAt must be in the future');
    const generated = generateApiKey();
    const { value } = await this.writer.write(actor, async (tx) => {
      const repo = tx.manager.getRepository(ApiKeyEntity);
      const key = await repo.save(
        repo.create({
          id: generated.id,
          name: dto.name,
          role: dto.role,
          secretHash: hashApiSecret(generated.secret),
          expiresAt: dto.expiresAt ? new Date(dto.expiresAt) : null,
          allowedCidrs: dto.allowedCidrs ?? [],
          createdBy: actor.keyId,
        }),
      );
      tx.audit({ action: 'api-key.create', resourceType: 'api-key', resourceId: key.id, details: { name: key.name, role: key.role } });
      return key;
    });
    const saved = await this.keys.findOneByOrFail({ id: value.id });
    return { ...toApiKeyDto(saved), key: generated.key };
  }

  async list(page: PageQuery): Promise<Page<ApiKeyDto>> {
    const result = await paginate(this.keys.createQueryBuilder('k'), 'k', page);
    return { items: result.items.map(toApiKeyDto), nextCursor: result.nextCursor };
  }

  async remove(id: string, actor: Actor): Promise<{ id: string; deleted: true }> {
    if (id === actor.keyId) throw ApiError.conflict('KEY_IN_USE', 'A key cannot delete itself; use another admin key');
    await this.writer.write(actor, async (tx) => {
      const deleted = await tx.manager.getRepository(ApiKeyEntity).delete({ id });
      if (!deleted.affected) throw ApiError.notFound('API key');
      tx.audit({ action: 'api-key.delete', resourceType: 'api-key', resourceId: id });
    });
    this.credentials.forget(id);
    this.pubsub.publish(KEY_REVOKED_CHANNEL, id);
    return { id, deleted: true };
  }
}

function toApiKeyDto(k: ApiKeyEntity): ApiKeyDto {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    expiresAt: k.expiresAt?.toISOString() ?? null,
    allowedCidrs: k.allowedCidrs,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    createdAt: k.createdAt.toISOString(),
  };
}

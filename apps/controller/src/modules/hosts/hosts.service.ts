import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { generateToken, hashToken, pinEnrollmentToken, SecretBox } from '@wgfleet/domain';
import type { Repository } from 'typeorm';
import { ApiError } from '../../common/api-error';
import { paginate, type Page, type PageQuery } from '../../common/pagination';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { SECRET_BOX } from '../../infra/crypto.module';
import type { Actor } from '../access/principal';
import { InterfaceEntity } from '../interfaces/interface.entity';
import { HostRevocationsService } from '../pki/host-revocations.service';
import { PkiService } from '../pki/pki.service';
import { HostChangeEntity } from '../revisions/host-change.entity';
import { HostWriter, type WriteTx } from '../revisions/host-writer';
import { WriteOutcome } from '../revisions/write-outcome';
import { EnrollmentTokenEntity } from './enrollment-token.entity';
import { HostEntity, type RouterOsSettings } from './host.entity';
import type { CreateHostDto, EnrollmentTokenDto, HostDto, RevisionStatusDto, RouterOsSettingsDto, UpdateHostDto } from './hosts.dto';

@Injectable()
export class HostsService {
  constructor(
    @InjectRepository(HostEntity) private readonly hosts: Repository<HostEntity>,
    @InjectRepository(HostChangeEntity) private readonly changes: Repository<HostChangeEntity>,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly writer: HostWriter,
    private readonly pki: PkiService,
    private readonly revocations: HostRevocationsService,
  ) {}

  async create(dto: CreateHostDto, actor: Actor): Promise<WriteOutcome<HostDto>> {
    if (dto.kind === 'routeros' && !dto.routeros) throw ApiError.invalid('routeros', 'routeros settings are required for a routeros host');
    if (dto.kind === 'linux' && dto.routeros) throw ApiError.invalid('routeros', 'routeros settings only apply to routeros hosts');
    const { value, revisions } = await this.writer.write(actor, async (tx) => {
      const repo = tx.manager.getRepository(HostEntity);
      if (dto.isDefault !== false) await lockDefaultHost(tx);
      // The first host becomes the default, so interfaces can be created without naming one.
      const makeDefault = dto.isDefault ?? !(await repo.existsBy({ isDefault: true }));
      if (makeDefault) await repo.update({ isDefault: true }, { isDefault: false });
      const host = await repo.save(
        repo.create({
          name: dto.name,
          kind: dto.kind,
          publicAddress: dto.publicAddress ?? null,
          isDefault: makeDefault,
          labels: dto.labels ?? {},
          routeros: dto.routeros ? this.sealRouterOs(dto.routeros) : null,
          status: 'pending',
          facts: {},
          updatedAt: new Date(),
        }),
      );
      tx.changed(host.id, { resource: 'host', id: host.id, op: 'upsert' });
      tx.audit({ action: 'host.create', resourceType: 'host', resourceId: host.id, hostId: host.id, details: { name: host.name, kind: host.kind } });
      const token = host.kind === 'linux' ? await this.issueToken(tx, host.id) : undefined;
      return { host, token };
    });
    const saved = await this.hosts.findOneByOrFail({ id: value.host.id });
    return new WriteOutcome({ ...toHostDto(saved), enrollmentToken: value.token }, saved.id, revisions.get(saved.id) ?? saved.desiredRevision);
  }

  async list(page: PageQuery): Promise<Page<HostDto>> {
    const result = await paginate(this.hosts.createQueryBuilder('h'), 'h', page);
    return { items: result.items.map(toHostDto), nextCursor: result.nextCursor };
  }

  async get(id: string): Promise<HostDto> {
    return toHostDto(await this.find(id));
  }

  async find(id: string): Promise<HostEntity> {
    const host = await this.hosts.findOneBy({ id });
    if (!host) throw ApiError.notFound('Host');
    return host;
  }

  /** The host new interfaces go to when the request names none. */
  async defaultHost(): Promise<HostEntity> {
    const host = await this.findDefaultHost();
    if (!host) throw ApiError.invalid('hostId', 'hostId is required: there is no default host (create a host with isDefault: true)');
    return host;
  }

  /** The default host, or null when there is none. */
  findDefaultHost(): Promise<HostEntity | null> {
    return this.hosts.findOneBy({ isDefault: true });
  }

  async update(id: string, dto: UpdateHostDto, actor: Actor): Promise<WriteOutcome<HostDto>> {
    const { revisions } = await this.writer.write(actor, async (tx) => {
      const host = await tx.lockHost(id);
      if (dto.routeros && host.kind !== 'routeros') throw ApiError.invalid('routeros', 'routeros settings only apply to routeros hosts');
      const repo = tx.manager.getRepository(HostEntity);
      if (dto.isDefault === true) {
        await lockDefaultHost(tx);
        await repo.update({ isDefault: true }, { isDefault: false });
      }
      // publicAddress is nullable: null clears it; an unchanged value changes no desired state.
      const publicAddress = dto.publicAddress === undefined ? host.publicAddress : dto.publicAddress;
      const changesState = publicAddress !== host.publicAddress || dto.routeros !== undefined;
      await repo.update(
        { id },
        {
          name: dto.name ?? host.name,
          publicAddress,
          isDefault: dto.isDefault ?? host.isDefault,
          labels: dto.labels ?? host.labels,
          routeros: dto.routeros ? this.sealRouterOs(dto.routeros) : host.routeros,
          updatedAt: new Date(),
        },
      );
      if (changesState) tx.changed(id, { resource: 'host', id, op: 'upsert' });
      tx.audit({ action: 'host.update', resourceType: 'host', resourceId: id, hostId: id, details: { fields: Object.keys(dto).filter((k) => k !== 'routeros') } });
    });
    const saved = await this.find(id);
    return new WriteOutcome(toHostDto(saved), id, revisions.get(id) ?? saved.desiredRevision);
  }

  async remove(id: string, actor: Actor): Promise<{ id: string; deleted: true }> {
    await this.writer.write(actor, async (tx) => {
      await tx.lockHost(id);
      const interfaces = await tx.manager.getRepository(InterfaceEntity).countBy({ hostId: id });
      if (interfaces > 0) throw ApiError.conflict('HOST_HAS_INTERFACES', `The host still has ${interfaces} interface(s); delete them first`);
      await tx.manager.getRepository(HostEntity).delete({ id });
      tx.audit({ action: 'host.delete', resourceType: 'host', resourceId: id });
    });
    // Its certificates died with the row; streams still open (on any replica) end now instead of
    // waiting for a sync that a host without interfaces never gets.
    this.revocations.publish(id);
    return { id, deleted: true };
  }

  async createEnrollmentToken(id: string, actor: Actor): Promise<EnrollmentTokenDto> {
    const { value } = await this.writer.write(actor, async (tx) => {
      await tx.lockHost(id);
      tx.audit({ action: 'host.enrollment-token.create', resourceType: 'host', resourceId: id, hostId: id });
      return this.issueToken(tx, id);
    });
    return value;
  }

  async revisionStatus(id: string, revision: number): Promise<RevisionStatusDto> {
    const host = await this.find(id);
    // Revisions start at 1; a number beyond bigint names nothing either (and must not reach Postgres).
    if (!Number.isSafeInteger(revision) || revision < 1) throw ApiError.notFound('Revision');
    const change = await this.changes.findOneBy({ hostId: id, revision });
    if (!change) throw ApiError.notFound('Revision');
    const applied = host.appliedRevision >= revision;
    return { revision, applied, appliedAt: change.appliedAt?.toISOString() ?? (applied ? (host.appliedAt?.toISOString() ?? null) : null), error: change.error };
  }

  private async issueToken(tx: WriteTx, hostId: string): Promise<EnrollmentTokenDto> {
    // The CA fingerprint rides along so the agent can verify the controller before sending the token.
    const token = pinEnrollmentToken(generateToken('wgfenr'), this.pki.caFingerprint);
    const expiresAt = new Date(Date.now() + this.config.enrollment.tokenTtlSeconds * 1000);
    await tx.manager.insert(EnrollmentTokenEntity, { hostId, tokenHash: hashToken(token), expiresAt, usedAt: null });
    return { token, expiresAt: expiresAt.toISOString() };
  }

  private sealRouterOs(dto: RouterOsSettingsDto): RouterOsSettings {
    return {
      apiUrl: dto.apiUrl,
      username: dto.username,
      passwordEnc: this.secrets.seal(dto.password, 'routeros.password'),
      verifyTls: dto.verifyTls ?? true,
      timeoutMs: dto.timeoutMs ?? 30_000,
      concurrency: dto.concurrency ?? 5,
    };
  }
}

export function toHostDto(h: HostEntity): HostDto {
  return {
    id: h.id,
    name: h.name,
    kind: h.kind,
    publicAddress: h.publicAddress,
    isDefault: h.isDefault,
    labels: h.labels,
    routeros: h.routeros
      ? { apiUrl: h.routeros.apiUrl, username: h.routeros.username, verifyTls: h.routeros.verifyTls, timeoutMs: h.routeros.timeoutMs, concurrency: h.routeros.concurrency }
      : null,
    status: h.status,
    lastSeenAt: h.lastSeenAt?.toISOString() ?? null,
    desiredRevision: h.desiredRevision,
    appliedRevision: h.appliedRevision,
    lastError: h.lastError,
    agentVersion: h.agentVersion,
    facts: h.facts,
    createdAt: h.createdAt.toISOString(),
    updatedAt: h.updatedAt.toISOString(),
  };
}

/**
 * Serializes writers that may move the default flag: without it, two racing "first host" creates
 * both see no default and one fails on the unique index instead of becoming a plain host.
 */
async function lockDefaultHost(tx: WriteTx): Promise<void> {
  await tx.manager.query(`SELECT pg_advisory_xact_lock(hashtext('wgfleet:default-host'))`);
}

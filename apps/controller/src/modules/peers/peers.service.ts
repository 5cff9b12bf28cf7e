import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { canonicalCidr, cidrContains, cidrsOverlap, effectiveBandwidth, generateKeyPair, generatePresharedKey, isIpv4, isIpv4Cidr, keyPairMatches, parseIpv4Cidr, SecretBox } from '@wgfleet/domain';
import type { EntityManager, Repository } from 'typeorm';
import { ApiError } from '../../common/api-error';
import { paginate, type Page } from '../../common/pagination';
import { SECRET_BOX } from '../../infra/crypto.module';
import type { Actor } from '../access/principal';
import { InterfaceEntity } from '../interfaces/interface.entity';
import { ONLINE_WINDOW_MS } from '../interfaces/interfaces.service';
import { HostWriter, type WriteTx } from '../revisions/host-writer';
import { WriteOutcome } from '../revisions/write-outcome';
import { addressOwner, allocateAddress, assertNameAndKeyFree, extraRoutesOf, unusedName } from './peer-occupancy';
import { PeerEntity, type SuspensionReason } from './peer.entity';
import type { CreatePeerDto, PeerDto, PeerListQuery, UpdatePeerDto } from './peers.dto';
import type { JsonObject } from '../../common/json';

/** Extra inputs only the compatibility surfaces use (PUQ accounts may bring their own private key). */
export interface PeerCreateOptions {
  privateKey?: string;
  /**
   * Runs inside the write transaction, under the interface lock, right before the insert: for a
   * caller's own uniqueness rules that no constraint covers (PUQ's install-wide account names),
   * which must be checked where a racing create cannot slip in between.
   */
  beforeInsert?: (manager: EntityManager) => Promise<void>;
}

/** Extra inputs of update() for read-modify-write callers (the PUQ account edit). */
export interface PeerUpdateOptions {
  /**
   * Fields computed from the peer as read under its interface's lock, added to `dto`. A change that
   * merges into current values (a key into metadata, one bandwidth direction) must merge into the
   * row it replaces: merged from an earlier read, it would undo any edit made in between.
   */
  fromCurrent?: (current: PeerDto) => UpdatePeerDto;
}

const MAX_METADATA_BYTES = 8192;

/** Counters a new peer starts with (the columns' defaults), so its DTO needs no re-read. */
const NO_STATS_YET = { rxBytes: 0, txBytes: 0, lastHandshakeAt: null, endpoint: null, statsAt: null } as const;

@Injectable()
export class PeersService {
  constructor(
    @InjectRepository(PeerEntity) private readonly peers: Repository<PeerEntity>,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    private readonly writer: HostWriter,
  ) {}

  async create(interfaceId: string, dto: CreatePeerDto, actor: Actor, options: PeerCreateOptions = {}): Promise<WriteOutcome<PeerDto>> {
    checkMetadata(dto.metadata);
    const keys = this.keysFor(dto.publicKey, options.privateKey);
    // Creates on one interface all wait for its lock: they queue in-process (not each holding a
    // pooled connection), so a burst cannot exhaust the pool.
    const { value, revisions } = await this.writer.write(actor, async (tx) => {
      // Locking the interface serializes address allocation: racing creates get distinct addresses.
      const iface = await tx.lockInterface(interfaceId);
      // A generated key cannot collide; only a brought one is worth a friendly check.
      await assertNameAndKeyFree(tx, iface.id, { name: dto.name, publicKey: dto.publicKey });
      const address = dto.address === undefined ? await allocate(tx, iface) : await claimAddress(tx, iface, dto.address);
      await checkExtraRoutes(tx, iface, dto.allowedIps ?? [], null);
      const repo = tx.manager.getRepository(PeerEntity);
      const name = dto.name ?? (await unusedName(tx, iface.id, `peer-${address.replace(/\./g, '-')}`));
      await options.beforeInsert?.(tx.manager);
      const saved = await repo.save(
        repo.create({
          interfaceId: iface.id,
          hostId: iface.hostId,
          name,
          address,
          publicKey: keys.publicKey,
          privateKeyEnc: keys.privateKey ? this.secrets.seal(keys.privateKey, 'peer.private_key') : null,
          presharedKeyEnc: this.sealPsk(dto.presharedKey),
          extraAllowedIps: extraAllowedIps(dto.allowedIps, address),
          downloadKbit: dto.bandwidth?.downloadKbit ?? null,
          uploadKbit: dto.bandwidth?.uploadKbit ?? null,
          ...suspensionFields(dto.enabled === false ? 'disabled' : null, null),
          expiresAt: dto.expiresAt ? new Date(dto.expiresAt) : null,
          quotaBytes: dto.quotaBytes ?? null,
          externalId: dto.externalId ?? null,
          metadata: dto.metadata ?? {},
          ...NO_STATS_YET,
          updatedAt: new Date(),
        }),
      );
      tx.changed(iface.hostId, { resource: 'peer', id: saved.id, op: 'upsert' });
      tx.audit({ action: 'peer.create', resourceType: 'peer', resourceId: saved.id, hostId: iface.hostId, details: { name, address, interfaceId } });
      return { peer: saved, iface };
    }, { queue: `interface:${interfaceId}` });
    // Built from what was written (no re-read): creating peers is the hot path of every panel.
    return new WriteOutcome(toPeerDto(value.peer, value.iface), value.iface.hostId, revisions.get(value.iface.hostId) ?? 0);
  }

  async list(query: PeerListQuery): Promise<Page<PeerDto>> {
    const qb = this.peers.createQueryBuilder('p');
    if (query.interfaceId) qb.andWhere('p.interface_id = :interfaceId', { interfaceId: query.interfaceId });
    if (query.hostId) qb.andWhere('p.host_id = :hostId', { hostId: query.hostId });
    if (query.externalId) qb.andWhere('p.external_id = :externalId', { externalId: query.externalId });
    if (query.enabled !== undefined) qb.andWhere(query.enabled === 'true' ? 'p.suspended_reason IS NULL' : 'p.suspended_reason IS NOT NULL');
    if (query.q) {
      const byAddress = isIpv4(query.q) ? ' OR p.address = :address::inet' : '';
      qb.andWhere(`(p.name ILIKE :pattern${byAddress})`, { pattern: `%${escapeLike(query.q)}%`, address: query.q });
    }
    const page = await paginate(qb, 'p', query);
    const defaults = await this.interfaceDefaults(page.items.map((p) => p.interfaceId));
    return { items: page.items.map((p) => toPeerDto(p, defaults.get(p.interfaceId))), nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<PeerDto> {
    const peer = await this.find(id);
    const defaults = await this.interfaceDefaults([peer.interfaceId]);
    return toPeerDto(peer, defaults.get(peer.interfaceId));
  }

  async find(id: string): Promise<PeerEntity> {
    const peer = await this.peers.findOneBy({ id });
    if (!peer) throw ApiError.notFound('Peer');
    return peer;
  }

  async update(id: string, given: UpdatePeerDto, actor: Actor, options: PeerUpdateOptions = {}): Promise<WriteOutcome<PeerDto>> {
    checkMetadata(given.metadata);
    // Audited after the change ran, so it lists the fields fromCurrent added too.
    const fields = Object.keys(given);
    const r = await this.mutate(id, actor, 'peer.update', fields, async (tx, peer, iface) => {
      const amended = options.fromCurrent?.(toPeerDto(peer, iface));
      checkMetadata(amended?.metadata);
      const dto: UpdatePeerDto = { ...given, ...amended };
      for (const key of Object.keys(dto)) if (!fields.includes(key)) fields.push(key);
      const patch: Partial<PeerEntity> = {};
      const newName = dto.name !== undefined && dto.name !== peer.name ? dto.name : undefined;
      const newKey = dto.publicKey !== undefined && dto.publicKey !== peer.publicKey ? dto.publicKey : undefined;
      await assertNameAndKeyFree(tx, iface.id, { name: newName, publicKey: newKey });
      if (dto.address !== undefined && dto.address !== peer.address) patch.address = await claimAddress(tx, iface, dto.address);
      if (newKey !== undefined) {
        // A new public key makes a stored private key meaningless.
        Object.assign(patch, { publicKey: dto.publicKey, privateKeyEnc: null });
      }
      if (dto.name !== undefined) patch.name = dto.name;
      if (dto.presharedKey !== undefined) patch.presharedKeyEnc = this.sealPsk(dto.presharedKey);
      if (dto.allowedIps !== undefined) await checkExtraRoutes(tx, iface, dto.allowedIps, peer.id);
      if (dto.allowedIps !== undefined || patch.address) patch.extraAllowedIps = extraAllowedIps(dto.allowedIps ?? peer.extraAllowedIps, patch.address ?? peer.address);
      if (dto.bandwidth !== undefined) Object.assign(patch, { downloadKbit: dto.bandwidth?.downloadKbit ?? null, uploadKbit: dto.bandwidth?.uploadKbit ?? null });
      if (dto.expiresAt !== undefined) patch.expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
      if (dto.quotaBytes !== undefined) patch.quotaBytes = dto.quotaBytes;
      if (dto.enabled === false && !peer.suspendedReason) Object.assign(patch, suspensionFields('disabled', null));
      if (dto.enabled === true && peer.suspendedReason) {
        assertResumable({ ...peer, ...patch });
        Object.assign(patch, suspensionFields(null, null));
      }
      if (dto.externalId !== undefined) patch.externalId = dto.externalId;
      if (dto.metadata !== undefined) patch.metadata = dto.metadata;
      return patch;
    });
    return new WriteOutcome(await this.get(id), r.hostId, r.revision);
  }

  async suspend(id: string, reason: SuspensionReason, message: string | null, actor: Actor): Promise<WriteOutcome<PeerDto>> {
    const r = await this.mutate(id, actor, 'peer.suspend', [], async (_tx, peer) => (peer.suspendedReason ? {} : suspensionFields(reason, message)));
    return new WriteOutcome(await this.get(id), r.hostId, r.revision);
  }

  async resume(id: string, actor: Actor): Promise<WriteOutcome<PeerDto>> {
    const r = await this.mutate(id, actor, 'peer.resume', [], async (_tx, peer) => {
      assertResumable(peer);
      return suspensionFields(null, null);
    });
    return new WriteOutcome(await this.get(id), r.hostId, r.revision);
  }

  async remove(id: string, actor: Actor): Promise<WriteOutcome<{ id: string; deleted: true }>> {
    const { value, revisions } = await this.writer.write(actor, async (tx) => {
      const peer = await this.lockedPeer(tx, id);
      // Its port forwards go with it (ON DELETE CASCADE).
      await tx.manager.getRepository(PeerEntity).delete({ id });
      tx.changed(peer.hostId, { resource: 'peer', id, op: 'delete' });
      tx.audit({ action: 'peer.delete', resourceType: 'peer', resourceId: id, hostId: peer.hostId, details: { name: peer.name, address: peer.address } });
      return peer.hostId;
    });
    return new WriteOutcome({ id, deleted: true as const }, value, revisions.get(value) ?? 0);
  }

  /** Locks the peer's interface, applies `change`'s patch, bumps the revision, audits. */
  private async mutate(
    id: string,
    actor: Actor,
    action: string,
    fields: string[],
    change: (tx: WriteTx, peer: PeerEntity, iface: InterfaceEntity) => Promise<Partial<PeerEntity>>,
  ): Promise<{ hostId: string; revision: number }> {
    const { value: hostId, revisions } = await this.writer.write(actor, async (tx) => {
      const peer = await this.lockedPeer(tx, id);
      const iface = await tx.manager.getRepository(InterfaceEntity).findOneByOrFail({ id: peer.interfaceId });
      const patch = await change(tx, peer, iface);
      if (Object.keys(patch).length > 0) {
        await tx.manager.getRepository(PeerEntity).update({ id }, { ...patch, updatedAt: new Date() });
        tx.changed(peer.hostId, { resource: 'peer', id, op: 'upsert' });
      }
      tx.audit({ action, resourceType: 'peer', resourceId: id, hostId: peer.hostId, details: fields.length ? { fields } : {} });
      return peer.hostId;
    });
    const revision = revisions.get(hostId) ?? (await this.currentRevision(hostId));
    return { hostId, revision };
  }

  private async lockedPeer(tx: WriteTx, id: string): Promise<PeerEntity> {
    const peer = await tx.manager.getRepository(PeerEntity).findOneBy({ id });
    if (!peer) throw ApiError.notFound('Peer');
    await tx.lockInterface(peer.interfaceId);
    // Re-read under the lock: the peer may have changed or gone while we waited.
    const locked = await tx.manager.getRepository(PeerEntity).findOneBy({ id });
    if (!locked) throw ApiError.notFound('Peer');
    return locked;
  }

  private async currentRevision(hostId: string): Promise<number> {
    const [row] = (await this.peers.manager.query(`SELECT desired_revision FROM hosts WHERE id = $1`, [hostId])) as Array<{ desired_revision: string }>;
    return Number(row?.desired_revision ?? 0);
  }

  private keysFor(publicKey: string | undefined, privateKey: string | undefined): { publicKey: string; privateKey: string | null } {
    if (privateKey) {
      if (!publicKey || !keyPairMatches(privateKey, publicKey)) throw ApiError.invalid('publicKey', 'publicKey does not belong to privateKey');
      return { publicKey, privateKey };
    }
    if (publicKey) return { publicKey, privateKey: null };
    return generateKeyPair();
  }

  private sealPsk(value: string | null | undefined): string | null {
    if (!value) return null;
    return this.secrets.seal(value === 'generate' ? generatePresharedKey() : value, 'peer.preshared_key');
  }

  private async interfaceDefaults(ids: string[]): Promise<Map<string, InterfaceEntity>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await this.peers.manager.getRepository(InterfaceEntity).createQueryBuilder('i').where('i.id IN (:...ids)', { ids: unique }).getMany();
    return new Map(rows.map((i) => [i.id, i]));
  }
}

/**
 * WireGuard routes each network to exactly one peer of an interface and silently moves a route
 * that a second peer claims, so overlapping extra networks would steal another customer's
 * traffic. IPv4 networks are checked; IPv6 ones are taken as given.
 */
async function checkExtraRoutes(tx: WriteTx, iface: InterfaceEntity, routes: string[], selfId: string | null): Promise<void> {
  const wanted = routes.filter(isIpv4Cidr);
  if (wanted.length === 0) return;
  const others = (await extraRoutesOf(tx, iface.id)).filter((r) => r.peerId !== selfId && isIpv4Cidr(r.cidr));
  for (const cidr of wanted) {
    if (cidrsOverlap(cidr, iface.address)) throw ApiError.invalid('allowedIps', `${cidr} overlaps the interface subnet ${iface.address}; peers get their own address automatically`);
    const clash = others.find((r) => cidrsOverlap(r.cidr, cidr));
    if (clash) throw ApiError.conflict('ALLOWED_IPS_OVERLAP', `${cidr} overlaps ${clash.cidr}, already routed to peer '${clash.name}'`, 'allowedIps');
  }
}

async function allocate(tx: WriteTx, iface: InterfaceEntity): Promise<string> {
  const next = await allocateAddress(tx, iface.id);
  if (!next) throw ApiError.conflict('NO_FREE_ADDRESS', `No free address is left in ${iface.address} of ${iface.name}`, 'address');
  return next;
}

/** A requested address: inside the subnet, not reserved, not another peer's. */
async function claimAddress(tx: WriteTx, iface: InterfaceEntity, requested: string): Promise<string> {
  const cidr = parseIpv4Cidr(iface.address);
  const ip = parseIpv4Cidr(`${requested}/32`).network;
  if (!cidrContains(iface.address, requested)) throw ApiError.invalid('address', `${requested} is not within ${iface.address} of ${iface.name}`);
  if (ip === cidr.network || ip === cidr.broadcast) throw ApiError.invalid('address', `${requested} is the network or broadcast address of ${iface.address}`);
  if (requested === cidr.address) throw ApiError.conflict('ADDRESS_IN_USE', `${requested} is the address of the interface ${iface.name}`, 'address');
  const owner = await addressOwner(tx, iface.id, requested);
  if (owner !== null) throw ApiError.conflict('ADDRESS_IN_USE', `${requested} is already used by peer '${owner}'`, 'address');
  return requested;
}

/** A peer that expired or used its quota stays suspended until those limits move. */
function assertResumable(peer: Pick<PeerEntity, 'expiresAt' | 'quotaBytes' | 'rxBytes' | 'txBytes'>): void {
  if (peer.expiresAt && peer.expiresAt.getTime() <= Date.now()) {
    throw ApiError.conflict('PEER_EXPIRED', 'The peer has expired; set a later expiresAt to resume it', 'expiresAt');
  }
  if (peer.quotaBytes !== null && peer.rxBytes + peer.txBytes >= peer.quotaBytes) {
    throw ApiError.conflict('QUOTA_EXCEEDED', 'The peer has used its quota; raise quotaBytes to resume it', 'quotaBytes');
  }
}

function suspensionFields(reason: SuspensionReason | null, message: string | null): Pick<PeerEntity, 'suspendedReason' | 'suspendedMessage' | 'suspendedAt'> {
  return { suspendedReason: reason, suspendedMessage: reason ? message : null, suspendedAt: reason ? new Date() : null };
}

/**
 * Stored as the host holds them (canonical networks, see canonicalCidr), so the API shows what the
 * host runs and two spellings of one network are one route.
 */
function extraAllowedIps(allowedIps: string[] | undefined, address: string): string[] {
  const own = `${address}/32`;
  return [...new Set((allowedIps ?? []).map((c) => canonicalCidr(c) ?? c).filter((c) => c !== own))];
}

function checkMetadata(metadata: JsonObject | undefined): void {
  if (metadata && Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
    throw ApiError.invalid('metadata', `metadata must be at most ${MAX_METADATA_BYTES} bytes of JSON`);
  }
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function toPeerDto(p: PeerEntity, iface: InterfaceEntity | undefined): PeerDto {
  const defaults = { downloadKbit: iface?.defaultDownloadKbit ?? 0, uploadKbit: iface?.defaultUploadKbit ?? 0 };
  const online = p.lastHandshakeAt !== null && Date.now() - p.lastHandshakeAt.getTime() < ONLINE_WINDOW_MS;
  return {
    id: p.id,
    interfaceId: p.interfaceId,
    hostId: p.hostId,
    name: p.name,
    address: p.address,
    publicKey: p.publicKey,
    hasPrivateKey: p.privateKeyEnc !== null,
    hasPresharedKey: p.presharedKeyEnc !== null,
    allowedIps: [`${p.address}/32`, ...p.extraAllowedIps],
    bandwidth: effectiveBandwidth({ downloadKbit: p.downloadKbit, uploadKbit: p.uploadKbit }, defaults),
    bandwidthIsDefault: p.downloadKbit === null && p.uploadKbit === null,
    enabled: p.suspendedReason === null,
    suspension: p.suspendedReason ? { reason: p.suspendedReason, message: p.suspendedMessage, at: (p.suspendedAt ?? p.updatedAt).toISOString() } : null,
    expiresAt: p.expiresAt?.toISOString() ?? null,
    quotaBytes: p.quotaBytes,
    externalId: p.externalId,
    metadata: p.metadata,
    status: { online, lastHandshakeAt: p.lastHandshakeAt?.toISOString() ?? null, endpoint: p.endpoint, rxBytes: p.rxBytes, txBytes: p.txBytes },
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

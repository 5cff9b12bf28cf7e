import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  availableAddresses,
  cidrsOverlap,
  generateKeyPair,
  nextFreeInterfaceName,
  nextFreeListenPort,
  nextFreeSubnet,
  parseIpv4Cidr,
  publicKeyFromPrivate,
  SecretBox,
} from '@wgfleet/domain';
import type { Repository } from 'typeorm';
import { ApiError } from '../../common/api-error';
import { paginate, type Page } from '../../common/pagination';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { SECRET_BOX } from '../../infra/crypto.module';
import type { Actor } from '../access/principal';
import { HostsService } from '../hosts/hosts.service';
import { PeerEntity } from '../peers/peer.entity';
import { PortForwardEntity } from '../port-forwards/port-forward.entity';
import { HostWriter, type WriteTx } from '../revisions/host-writer';
import { WriteOutcome } from '../revisions/write-outcome';
import { InterfaceEntity } from './interface.entity';
import type { CreateInterfaceDto, InterfaceDto, InterfaceListQuery, InterfaceStatsDto, UpdateInterfaceDto } from './interfaces.dto';
import type { JsonObject } from '../../common/json';

/** Extra inputs only the compatibility surfaces use (PUQ supplies both keys, and an ikev2 flag). */
export interface InterfaceCreateOptions {
  publicKey?: string;
  extra?: JsonObject;
}

/** Extra inputs only the compatibility surfaces use on update (PUQ may replace the key pair and its flags). */
export interface InterfaceUpdateOptions {
  privateKey?: string;
  publicKey?: string;
  /** Merged into the stored `extra` values. */
  extra?: JsonObject;
}

/** A peer is online when its last handshake is this recent (WireGuard rekeys every 2 minutes). */
export const ONLINE_WINDOW_MS = 180_000;

@Injectable()
export class InterfacesService {
  constructor(
    @InjectRepository(InterfaceEntity) private readonly interfaces: Repository<InterfaceEntity>,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly hosts: HostsService,
    private readonly writer: HostWriter,
  ) {}

  async create(dto: CreateInterfaceDto, actor: Actor, options: InterfaceCreateOptions = {}): Promise<WriteOutcome<InterfaceDto>> {
    const hostId = dto.hostId ?? (await this.hosts.defaultHost()).id;
    const keys = this.keyPair(dto.privateKey, options.publicKey);
    const { value, revisions } = await this.writer.write(actor, async (tx) => {
      await tx.lockHost(hostId);
      const siblings = await tx.manager.getRepository(InterfaceEntity).findBy({ hostId });
      const forwardedPorts = await this.forwardedPorts(tx, hostId);
      const name = this.pickName(dto.name, siblings);
      const listenPort = this.pickListenPort(dto.listenPort, siblings, forwardedPorts);
      const address = this.pickAddress(dto.address, siblings);
      const repo = tx.manager.getRepository(InterfaceEntity);
      const iface = await repo.save(
        repo.create({
          hostId,
          name,
          displayName: dto.displayName ?? null,
          address,
          listenPort,
          endpoint: dto.endpoint ?? null,
          dns: dto.dns ?? [],
          mtu: dto.mtu ?? null,
          persistentKeepalive: dto.persistentKeepalive ?? null,
          natEnabled: dto.nat?.enabled ?? true,
          snatAddress: dto.nat?.snatAddress ?? null,
          internalTraffic: dto.internalTraffic ?? false,
          defaultDownloadKbit: dto.defaultBandwidth?.downloadKbit ?? 0,
          defaultUploadKbit: dto.defaultBandwidth?.uploadKbit ?? 0,
          privateKeyEnc: this.secrets.seal(keys.privateKey, 'interface.private_key'),
          publicKey: keys.publicKey,
          extra: options.extra ?? {},
          updatedAt: new Date(),
        }),
      );
      tx.changed(hostId, { resource: 'interface', id: iface.id, op: 'upsert' });
      tx.audit({ action: 'interface.create', resourceType: 'interface', resourceId: iface.id, hostId, details: { name, address, listenPort } });
      return iface;
    });
    return new WriteOutcome(await this.get(value.id), hostId, revisions.get(hostId) ?? 0);
  }

  async list(query: InterfaceListQuery): Promise<Page<InterfaceDto>> {
    const qb = this.interfaces.createQueryBuilder('i');
    if (query.hostId) qb.where('i.host_id = :hostId', { hostId: query.hostId });
    const page = await paginate(qb, 'i', query);
    return { items: page.items.map(toInterfaceDto), nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<InterfaceDto> {
    const iface = await this.find(id);
    return { ...toInterfaceDto(iface), stats: await this.stats(id) };
  }

  async find(id: string): Promise<InterfaceEntity> {
    const iface = await this.interfaces.findOneBy({ id });
    if (!iface) throw ApiError.notFound('Interface');
    return iface;
  }

  async update(id: string, dto: UpdateInterfaceDto, actor: Actor, options: InterfaceUpdateOptions = {}): Promise<WriteOutcome<InterfaceDto>> {
    const keys = options.privateKey !== undefined || options.publicKey !== undefined ? this.keyPair(options.privateKey, options.publicKey) : null;
    const { value: hostId, revisions } = await this.writer.write(actor, async (tx) => {
      const iface = await tx.lockInterface(id);
      await tx.lockHost(iface.hostId);
      const siblings = (await tx.manager.getRepository(InterfaceEntity).findBy({ hostId: iface.hostId })).filter((i) => i.id !== id);
      const patch: Partial<InterfaceEntity> = { updatedAt: new Date() };
      if (dto.name !== undefined && dto.name !== iface.name) patch.name = this.pickName(dto.name, siblings);
      if (dto.listenPort !== undefined && dto.listenPort !== iface.listenPort) {
        patch.listenPort = this.pickListenPort(dto.listenPort, siblings, await this.forwardedPorts(tx, iface.hostId));
      }
      if (dto.address !== undefined && dto.address !== iface.address) {
        const peers = await tx.manager.getRepository(PeerEntity).countBy({ interfaceId: id });
        if (peers > 0) throw ApiError.conflict('INTERFACE_HAS_PEERS', 'The address of an interface with peers cannot change; move or delete its peers first', 'address');
        patch.address = this.pickAddress(dto.address, siblings);
        // The allocation hint (see allocateAddress) described the old subnet.
        await tx.manager.query(`UPDATE interfaces SET peer_address_hint = NULL WHERE id = $1`, [id]);
      }
      if (dto.displayName !== undefined) patch.displayName = dto.displayName;
      if (dto.endpoint !== undefined) patch.endpoint = dto.endpoint;
      if (dto.dns !== undefined) patch.dns = dto.dns;
      if (dto.mtu !== undefined) patch.mtu = dto.mtu;
      if (dto.persistentKeepalive !== undefined) patch.persistentKeepalive = dto.persistentKeepalive;
      if (dto.nat !== undefined) Object.assign(patch, { natEnabled: dto.nat.enabled, snatAddress: dto.nat.snatAddress ?? null });
      if (dto.internalTraffic !== undefined) patch.internalTraffic = dto.internalTraffic;
      if (dto.defaultBandwidth !== undefined) Object.assign(patch, { defaultDownloadKbit: dto.defaultBandwidth.downloadKbit, defaultUploadKbit: dto.defaultBandwidth.uploadKbit });
      if (keys) Object.assign(patch, { privateKeyEnc: this.secrets.seal(keys.privateKey, 'interface.private_key'), publicKey: keys.publicKey });
      if (options.extra !== undefined) patch.extra = { ...iface.extra, ...options.extra };
      await tx.manager.getRepository(InterfaceEntity).update({ id }, patch);
      tx.changed(iface.hostId, { resource: 'interface', id, op: 'upsert' });
      const fields = [...Object.keys(dto), ...(keys ? ['privateKey'] : []), ...Object.keys(options.extra ?? {})];
      tx.audit({ action: 'interface.update', resourceType: 'interface', resourceId: id, hostId: iface.hostId, details: { fields } });
      return iface.hostId;
    });
    return new WriteOutcome(await this.get(id), hostId, revisions.get(hostId) ?? 0);
  }

  async remove(id: string, force: boolean, actor: Actor): Promise<WriteOutcome<{ id: string; deleted: true }>> {
    const { value: hostId, revisions } = await this.writer.write(actor, async (tx) => {
      const iface = await tx.lockInterface(id);
      const peers = await tx.manager.getRepository(PeerEntity).countBy({ interfaceId: id });
      if (peers > 0 && !force) {
        throw ApiError.conflict('INTERFACE_HAS_PEERS', `The interface still has ${peers} peer(s); delete them first or use ?force=true`);
      }
      // Peers and port forwards go with it (ON DELETE CASCADE).
      await tx.manager.getRepository(InterfaceEntity).delete({ id });
      tx.changed(iface.hostId, { resource: 'interface', id, op: 'delete' });
      tx.audit({ action: 'interface.delete', resourceType: 'interface', resourceId: id, hostId: iface.hostId, details: { name: iface.name, peersDeleted: peers } });
      return iface.hostId;
    });
    return new WriteOutcome({ id, deleted: true as const }, hostId, revisions.get(hostId) ?? 0);
  }

  async availableIps(id: string, limit: number): Promise<{ items: string[] }> {
    const iface = await this.find(id);
    const used = await this.usedAddresses(this.interfaces.manager, id);
    return { items: availableAddresses(iface.address, used, limit) };
  }

  /** Every peer follows the interface default again (their own limits are cleared). */
  async applyDefaultBandwidth(id: string, actor: Actor): Promise<WriteOutcome<{ updated: number }>> {
    const { value, revisions } = await this.writer.write(actor, async (tx) => {
      const iface = await tx.lockInterface(id);
      const result = await tx.manager.getRepository(PeerEntity).update({ interfaceId: id }, { downloadKbit: null, uploadKbit: null, updatedAt: new Date() });
      tx.changed(iface.hostId, { resource: 'interface', id, op: 'upsert' });
      tx.audit({ action: 'interface.apply-default-bandwidth', resourceType: 'interface', resourceId: id, hostId: iface.hostId, details: { peers: result.affected ?? 0 } });
      return { hostId: iface.hostId, updated: result.affected ?? 0 };
    });
    return new WriteOutcome({ updated: value.updated }, value.hostId, revisions.get(value.hostId) ?? 0);
  }

  /** Addresses taken by peers of an interface (host part only). */
  private async usedAddresses(manager: WriteTx['manager'], interfaceId: string): Promise<string[]> {
    const rows = (await manager.query(`SELECT host(address) AS a FROM peers WHERE interface_id = $1`, [interfaceId])) as Array<{ a: string }>;
    return rows.map((r) => r.a);
  }

  private async stats(interfaceId: string): Promise<InterfaceStatsDto> {
    const [row] = (await this.interfaces.manager.query(
      `SELECT count(*)::int AS peers,
              count(*) FILTER (WHERE last_handshake_at > now() - make_interval(secs => $2))::int AS online,
              coalesce(sum(rx_bytes), 0)::text AS rx, coalesce(sum(tx_bytes), 0)::text AS tx
         FROM peers WHERE interface_id = $1`,
      [interfaceId, ONLINE_WINDOW_MS / 1000],
    )) as Array<{ peers: number; online: number; rx: string; tx: string }>;
    return { peers: row?.peers ?? 0, peersOnline: row?.online ?? 0, rxBytes: Number(row?.rx ?? 0), txBytes: Number(row?.tx ?? 0) };
  }

  private keyPair(privateKey: string | undefined, publicKey: string | undefined): { privateKey: string; publicKey: string } {
    if (!privateKey) {
      if (publicKey) throw ApiError.invalid('privateKey', 'privateKey is required when publicKey is given');
      return generateKeyPair();
    }
    const derived = publicKeyFromPrivate(privateKey);
    if (publicKey && publicKey !== derived) throw ApiError.invalid('publicKey', 'publicKey does not belong to privateKey');
    return { privateKey, publicKey: derived };
  }

  private async forwardedPorts(tx: WriteTx, hostId: string): Promise<number[]> {
    const forwards = await tx.manager.getRepository(PortForwardEntity).find({ where: { hostId }, select: { port: true } });
    return forwards.map((f) => f.port);
  }

  private pickName(requested: string | undefined, siblings: InterfaceEntity[]): string {
    const used = siblings.map((i) => i.name);
    if (requested === undefined) return nextFreeInterfaceName(used);
    if (used.includes(requested)) throw ApiError.conflict('NAME_TAKEN', `The interface name ${requested} is already used on this host`, 'name');
    return requested;
  }

  private pickListenPort(requested: number | undefined, siblings: InterfaceEntity[], forwardedPorts: number[]): number {
    if (requested !== undefined) {
      const owner = siblings.find((i) => i.listenPort === requested);
      if (owner) throw ApiError.conflict('PORT_IN_USE', `Port ${requested} is already the listen port of ${owner.name}`, 'listenPort');
      if (forwardedPorts.includes(requested)) throw ApiError.conflict('PORT_IN_USE', `Port ${requested} is already used by a port forward on this host`, 'listenPort');
      return requested;
    }
    const port = nextFreeListenPort([...siblings.map((i) => i.listenPort), ...forwardedPorts]);
    if (port === null) throw ApiError.conflict('NO_FREE_PORT', 'No free listen port is left on this host', 'listenPort');
    return port;
  }

  private pickAddress(requested: string | undefined, siblings: InterfaceEntity[]): string {
    if (requested === undefined) {
      const subnet = nextFreeSubnet(this.config.ipam.pool, this.config.ipam.interfacePrefix, siblings.map((i) => i.address));
      if (!subnet) throw ApiError.conflict('POOL_EXHAUSTED', `No free /${this.config.ipam.interfacePrefix} is left in the address pool ${this.config.ipam.pool}`, 'address');
      return subnet;
    }
    const cidr = parseIpv4Cidr(requested);
    if (cidr.prefix > 30) throw ApiError.invalid('address', 'address must have a prefix of /30 or shorter, to leave room for peers');
    // A peer's shaping id is its offset in the subnet, and tc class minors end at 0xfffe.
    if (cidr.prefix < 16) throw ApiError.invalid('address', 'address must have a prefix of /16 or longer (at most 65,534 peers per interface)');
    const own = parseIpv4Cidr(`${cidr.address}/32`).network;
    if (own === cidr.network || own === cidr.broadcast) throw ApiError.invalid('address', "address must be a host address of its subnet, not its network or broadcast address");
    const overlapping = siblings.find((i) => cidrsOverlap(i.address, requested));
    if (overlapping) throw ApiError.conflict('SUBNET_OVERLAP', `${requested} overlaps ${overlapping.address} of ${overlapping.name} on this host`, 'address');
    return requested;
  }
}

export function toInterfaceDto(i: InterfaceEntity): InterfaceDto {
  return {
    id: i.id,
    hostId: i.hostId,
    name: i.name,
    displayName: i.displayName,
    address: i.address,
    listenPort: i.listenPort,
    publicKey: i.publicKey,
    endpoint: i.endpoint,
    dns: i.dns,
    mtu: i.mtu,
    persistentKeepalive: i.persistentKeepalive,
    nat: { enabled: i.natEnabled, snatAddress: i.snatAddress },
    internalTraffic: i.internalTraffic,
    defaultBandwidth: { downloadKbit: i.defaultDownloadKbit, uploadKbit: i.defaultUploadKbit },
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  };
}

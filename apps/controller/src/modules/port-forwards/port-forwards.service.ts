import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiError } from '../../common/api-error';
import { paginate, type Page, type PageQuery } from '../../common/pagination';
import type { Actor } from '../access/principal';
import { InterfaceEntity } from '../interfaces/interface.entity';
import { PeerEntity } from '../peers/peer.entity';
import { HostWriter } from '../revisions/host-writer';
import { WriteOutcome } from '../revisions/write-outcome';
import { PortForwardEntity } from './port-forward.entity';
import type { CreatePortForwardDto, PortForwardDto } from './port-forwards.dto';

@Injectable()
export class PortForwardsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly writer: HostWriter,
  ) {}

  async create(interfaceId: string, dto: CreatePortForwardDto, actor: Actor): Promise<WriteOutcome<PortForwardDto>> {
    const { value, revisions } = await this.writer.write(actor, async (tx) => {
      const iface = await tx.lockInterface(interfaceId);
      // Host-wide checks (listen ports of every interface) need the host lock, taken after the interface's.
      await tx.lockHost(iface.hostId);
      const peer = await tx.manager.getRepository(PeerEntity).findOneBy({ id: dto.peerId });
      if (!peer) throw ApiError.notFound('Peer');
      if (peer.interfaceId !== interfaceId) throw ApiError.invalid('peerId', 'peerId must name a peer of this interface');
      const listener = await tx.manager.getRepository(InterfaceEntity).findOneBy({ hostId: iface.hostId, listenPort: dto.port });
      if (listener) throw ApiError.conflict('PORT_IS_LISTEN_PORT', `Port ${dto.port} is the listen port of ${listener.name} on this host`, 'port');
      const taken = await tx.manager.getRepository(PortForwardEntity).findOneBy({ hostId: iface.hostId, protocol: dto.protocol, port: dto.port });
      if (taken) throw ApiError.conflict('PORT_IN_USE', `${dto.protocol.toUpperCase()} port ${dto.port} is already forwarded on this host`, 'port');
      const repo = tx.manager.getRepository(PortForwardEntity);
      const forward = await repo.save(repo.create({ hostId: iface.hostId, interfaceId, peerId: peer.id, protocol: dto.protocol, port: dto.port, targetPort: dto.targetPort }));
      tx.changed(iface.hostId, { resource: 'port-forward', id: forward.id, op: 'upsert' });
      tx.audit({ action: 'port-forward.create', resourceType: 'port-forward', resourceId: forward.id, hostId: iface.hostId, details: { ...dto } });
      return { forward, peerAddress: peer.address };
    });
    const forward = await this.dataSource.getRepository(PortForwardEntity).findOneByOrFail({ id: value.forward.id });
    return new WriteOutcome(toPortForwardDto(forward, value.peerAddress), forward.hostId, revisions.get(forward.hostId) ?? 0);
  }

  async list(interfaceId: string, page: PageQuery): Promise<Page<PortForwardDto>> {
    if (!(await this.dataSource.getRepository(InterfaceEntity).existsBy({ id: interfaceId }))) throw ApiError.notFound('Interface');
    const qb = this.dataSource.getRepository(PortForwardEntity).createQueryBuilder('f').where('f.interface_id = :interfaceId', { interfaceId });
    const result = await paginate(qb, 'f', page);
    const peers = await this.peerAddresses(result.items.map((f) => f.peerId));
    return { items: result.items.map((f) => toPortForwardDto(f, peers.get(f.peerId) ?? '')), nextCursor: result.nextCursor };
  }

  async remove(id: string, actor: Actor): Promise<WriteOutcome<{ id: string; deleted: true }>> {
    const { value: hostId, revisions } = await this.writer.write(actor, async (tx) => {
      const found = await tx.manager.getRepository(PortForwardEntity).findOneBy({ id });
      if (!found) throw ApiError.notFound('Port forward');
      await tx.lockInterface(found.interfaceId);
      const deleted = await tx.manager.getRepository(PortForwardEntity).delete({ id });
      if (!deleted.affected) throw ApiError.notFound('Port forward');
      tx.changed(found.hostId, { resource: 'port-forward', id, op: 'delete' });
      tx.audit({ action: 'port-forward.delete', resourceType: 'port-forward', resourceId: id, hostId: found.hostId, details: { protocol: found.protocol, port: found.port } });
      return found.hostId;
    });
    return new WriteOutcome({ id, deleted: true as const }, hostId, revisions.get(hostId) ?? 0);
  }

  private async peerAddresses(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const peers = await this.dataSource.getRepository(PeerEntity).createQueryBuilder('p').select(['p.id', 'p.address']).where('p.id IN (:...ids)', { ids: [...new Set(ids)] }).getMany();
    return new Map(peers.map((p) => [p.id, p.address]));
  }
}

function toPortForwardDto(f: PortForwardEntity, peerAddress: string): PortForwardDto {
  return {
    id: f.id,
    hostId: f.hostId,
    interfaceId: f.interfaceId,
    peerId: f.peerId,
    peerAddress,
    protocol: f.protocol,
    port: f.port,
    targetPort: f.targetPort,
    createdAt: f.createdAt.toISOString(),
  };
}

import { Injectable } from '@nestjs/common';
import { ApiError } from '../../common/api-error';
import { allPages } from '../../common/pagination';
import { HostsService } from '../hosts/hosts.service';
import { InterfacesService } from '../interfaces/interfaces.service';
import type { PeerDto } from '../peers/peers.dto';
import { PeersService } from '../peers/peers.service';

const PAGE = 500;

/** Lookups the seed's calls need that the native ones leave to the client; reads only, via the native services. */
@Injectable()
export class CompatWgService {
  constructor(
    private readonly hosts: HostsService,
    private readonly interfaces: InterfacesService,
    private readonly peers: PeersService,
  ) {}

  /** The seed creates peers without naming a tunnel: they go to the default host's first interface. */
  async defaultInterfaceId(): Promise<string> {
    const host = await this.hosts.findDefaultHost();
    const first = host ? (await this.interfaces.list({ hostId: host.id, limit: 1 })).items[0] : undefined;
    if (!first) throw ApiError.invalid('interfaceId', 'interfaceId is required: there is no default interface (no default host, or it has no interfaces)');
    return first.id;
  }

  /** Every peer of an interface, page by page in the native order. */
  peersOf(interfaceId: string): Promise<PeerDto[]> {
    return allPages((cursor) => this.peers.list({ interfaceId, limit: PAGE, cursor }));
  }
}

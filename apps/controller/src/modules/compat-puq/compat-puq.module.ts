import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Application } from 'express';
import { JsonLogger } from '../../common/json-logger';
import { HostEntity } from '../hosts/host.entity';
import { HostsModule } from '../hosts/hosts.module';
import { InterfaceEntity } from '../interfaces/interface.entity';
import { InterfacesModule } from '../interfaces/interfaces.module';
import { PeerEntity } from '../peers/peer.entity';
import { PeersModule } from '../peers/peers.module';
import { PortForwardEntity } from '../port-forwards/port-forward.entity';
import { PortForwardsModule } from '../port-forwards/port-forwards.module';
import { StatsModule } from '../stats/stats.module';
import { PuqAccountController, PuqPortForwardController, PuqSystemController, PuqWireguardController } from './compat-puq.controller';
import { PuqAccountsService } from './puq-accounts.service';
import { PuqDirectory } from './puq-directory.service';
import { PUQ_ROOTS, puqFallbackHandlers } from './puq-exception.filter';
import { PuqServersService } from './puq-servers.service';

/** The PUQVPNCP v1 compatibility surface: a translation layer over the native services, no data of its own. */
@Module({
  imports: [TypeOrmModule.forFeature([InterfaceEntity, PeerEntity, PortForwardEntity, HostEntity]), HostsModule, InterfacesModule, PeersModule, PortForwardsModule, StatsModule],
  controllers: [PuqWireguardController, PuqPortForwardController, PuqAccountController, PuqSystemController],
  providers: [PuqDirectory, PuqServersService, PuqAccountsService],
})
export class CompatPuqModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly logger: JsonLogger,
  ) {}

  /**
   * Nest registers the routes before running onModuleInit and its own not-found and error
   * handlers after it, so these land between the two: they see only PUQ requests no route took,
   * and body-parser errors of PUQ requests, and answer them with the PUQ envelope.
   */
  onModuleInit(): void {
    const app = this.adapterHost.httpAdapter?.getInstance<Application>();
    if (!app) return;
    const { unmatched, failed } = puqFallbackHandlers(this.logger);
    app.use(PUQ_ROOTS, unmatched);
    app.use(PUQ_ROOTS, failed);
  }
}

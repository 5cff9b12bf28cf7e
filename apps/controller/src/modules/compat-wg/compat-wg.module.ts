import { Module } from '@nestjs/common';
import { HostsModule } from '../hosts/hosts.module';
import { InterfacesModule } from '../interfaces/interfaces.module';
import { PeersModule } from '../peers/peers.module';
import { CompatWgInterceptor } from './compat-wg.interceptor';
import { CompatWgService } from './compat-wg.service';
import { WgInterfacesController } from './wg-interfaces.controller';
import { WgPeersController } from './wg-peers.controller';

/**
 * The generic "WireGuard API" (seed 001, design COMPAT-APIS.md §2): thin routes onto the native
 * peers and interfaces services; auth, validation, rate limits, idempotency, revisions and the
 * error body are the native global ones.
 */
@Module({
  imports: [HostsModule, InterfacesModule, PeersModule],
  controllers: [WgPeersController, WgInterfacesController],
  providers: [CompatWgService, CompatWgInterceptor],
})
export class CompatWgModule {}

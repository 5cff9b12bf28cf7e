import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InterfacesModule } from '../interfaces/interfaces.module';
import { StatsModule } from '../stats/stats.module';
import { PeerConfigService } from './peer-config.service';
import { PeerEntity } from './peer.entity';
import { PeersController } from './peers.controller';
import { PeersService } from './peers.service';

@Module({
  imports: [TypeOrmModule.forFeature([PeerEntity]), InterfacesModule, StatsModule],
  controllers: [PeersController],
  providers: [PeersService, PeerConfigService],
  exports: [PeersService, PeerConfigService],
})
export class PeersModule {}

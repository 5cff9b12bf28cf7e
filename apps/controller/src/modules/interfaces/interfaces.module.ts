import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HostsModule } from '../hosts/hosts.module';
import { InterfaceEntity } from './interface.entity';
import { InterfacesController } from './interfaces.controller';
import { InterfacesService } from './interfaces.service';

@Module({
  imports: [TypeOrmModule.forFeature([InterfaceEntity]), HostsModule],
  controllers: [InterfacesController],
  providers: [InterfacesService],
  exports: [InterfacesService],
})
export class InterfacesModule {}

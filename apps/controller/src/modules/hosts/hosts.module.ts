import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HostChangeEntity } from '../revisions/host-change.entity';
import { EnrollmentTokenEntity } from './enrollment-token.entity';
import { HostEntity } from './host.entity';
import { HostsController } from './hosts.controller';
import { HostsService } from './hosts.service';

@Module({
  imports: [TypeOrmModule.forFeature([HostEntity, EnrollmentTokenEntity, HostChangeEntity])],
  controllers: [HostsController],
  providers: [HostsService],
  exports: [HostsService],
})
export class HostsModule {}

import { Module } from '@nestjs/common';
import { DataplaneController } from './dataplane.controller';
import { DataplaneService } from './dataplane.service';
import { UsageService } from './usage.service';

@Module({
  controllers: [DataplaneController],
  providers: [DataplaneService, UsageService],
  exports: [DataplaneService, UsageService],
})
export class StatsModule {}

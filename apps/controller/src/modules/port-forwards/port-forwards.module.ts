import { Module } from '@nestjs/common';
import { PortForwardsController } from './port-forwards.controller';
import { PortForwardsService } from './port-forwards.service';

@Module({
  controllers: [PortForwardsController],
  providers: [PortForwardsService],
  exports: [PortForwardsService],
})
export class PortForwardsModule {}

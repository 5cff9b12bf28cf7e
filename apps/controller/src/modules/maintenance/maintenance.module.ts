import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { EnforcePeerLimitsJob } from './jobs/enforce-peer-limits.job';
import { PruneIdempotencyKeysJob } from './jobs/prune-idempotency-keys.job';
import { QUEUES } from './jobs/queues';
import { MaintenanceProcessor } from './maintenance.processor';
import { MaintenanceScheduler } from './maintenance.scheduler';

@Module({})
export class MaintenanceModule {
  /** Workers run only where WGFLEET_WORKERS is true; any replica may schedule. */
  static register(workers: boolean): DynamicModule {
    return {
      module: MaintenanceModule,
      imports: [BullModule.registerQueue({ name: QUEUES.maintenance })],
      providers: [EnforcePeerLimitsJob, PruneIdempotencyKeysJob, MaintenanceScheduler, ...(workers ? [MaintenanceProcessor] : [])],
      exports: [EnforcePeerLimitsJob],
    };
  }
}

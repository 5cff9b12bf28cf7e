import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JsonLogger } from '../../common/json-logger';
import type { EnforcePeerLimitsPayload } from './jobs/enforce-peer-limits.job';
import { MAINTENANCE_JOBS, QUEUES } from './jobs/queues';

/**
 * Registers the repeating maintenance jobs. Job schedulers are idempotent upserts keyed by id, so
 * every replica may do this at start and each job still runs once per interval fleet-wide.
 */
@Injectable()
export class MaintenanceScheduler implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(QUEUES.maintenance) private readonly queue: Queue,
    private readonly logger: JsonLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const payload: EnforcePeerLimitsPayload = { batch: 500 };
      await this.queue.upsertJobScheduler(MAINTENANCE_JOBS.enforcePeerLimits, { every: 30_000 }, { name: MAINTENANCE_JOBS.enforcePeerLimits, data: payload });
      await this.queue.upsertJobScheduler(MAINTENANCE_JOBS.pruneIdempotencyKeys, { every: 3_600_000 }, { name: MAINTENANCE_JOBS.pruneIdempotencyKeys, data: {} });
    } catch (e) {
      this.logger.warn('could not schedule maintenance jobs (Redis down?); they will be scheduled by the next start', { error: (e as Error).message });
    }
  }
}

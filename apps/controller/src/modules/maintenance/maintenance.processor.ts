import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { EnforcePeerLimitsJob, type EnforcePeerLimitsPayload } from './jobs/enforce-peer-limits.job';
import { PruneIdempotencyKeysJob } from './jobs/prune-idempotency-keys.job';
import { MAINTENANCE_JOBS, QUEUES } from './jobs/queues';

/** Runs maintenance jobs on whichever replica BullMQ hands them to. */
@Processor(QUEUES.maintenance)
export class MaintenanceProcessor extends WorkerHost {
  constructor(
    private readonly enforcePeerLimits: EnforcePeerLimitsJob,
    private readonly pruneIdempotencyKeys: PruneIdempotencyKeysJob,
  ) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case MAINTENANCE_JOBS.enforcePeerLimits:
        return this.enforcePeerLimits.run(job.data as EnforcePeerLimitsPayload);
      case MAINTENANCE_JOBS.pruneIdempotencyKeys:
        return this.pruneIdempotencyKeys.run();
      default:
        throw new Error(`unknown maintenance job ${job.name}`);
    }
  }
}

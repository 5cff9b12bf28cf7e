/** Every BullMQ queue of the controller, named in one place. */
export const QUEUES = {
  maintenance: 'maintenance',
} as const;

export const MAINTENANCE_JOBS = {
  enforcePeerLimits: 'enforce-peer-limits',
  pruneIdempotencyKeys: 'prune-idempotency-keys',
} as const;

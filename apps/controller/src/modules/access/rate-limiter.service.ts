import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { JsonLogger } from '../../common/json-logger';
import { REDIS } from '../../infra/redis.token';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  retryAfterSeconds: number;
}

// INCR and set the window's expiry in one round trip, atomically, so every replica counts into
// the same window.
const COUNT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

/** Fixed-window request counting in Redis, shared by all controller replicas. */
@Injectable()
export class RateLimiterService {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logger: JsonLogger,
  ) {}

  async hit(bucket: string): Promise<RateDecision> {
    const { requests, windowSeconds } = this.config.rateLimit;
    const windowMs = windowSeconds * 1000;
    const key = `${this.config.redis.prefix}:rl:${bucket}:${Math.floor(Date.now() / windowMs)}`;
    try {
      const [count, ttl] = (await this.redis.eval(COUNT_SCRIPT, 1, key, windowMs)) as [number, number];
      return {
        allowed: count <= requests,
        limit: requests,
        remaining: Math.max(0, requests - count),
        retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)),
      };
    } catch (e) {
      // Redis down must not take the API down with it: Postgres is the source of truth and
      // /readyz reports the outage. Requests pass unlimited until Redis is back.
      this.logger.warn('rate limiter unavailable, allowing request', { error: (e as Error).message });
      return { allowed: true, limit: requests, remaining: requests, retryAfterSeconds: 0 };
    }
  }
}

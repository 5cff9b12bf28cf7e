import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import { REDIS } from './redis.token';
import type { AppConfig } from '../config/app-config';
import { PubSubService } from './pubsub.service';

export { REDIS } from './redis.token';

/** One shared command connection; BullMQ and pub/sub subscribers open their own. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new Redis(config.redis.url, { maxRetriesPerRequest: 2, enableOfflineQueue: false, lazyConnect: false }),
    },
    PubSubService,
  ],
  exports: [REDIS, PubSubService],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

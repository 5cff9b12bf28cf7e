import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JsonLogger } from '../common/json-logger';
import { REDIS } from './redis.token';

type Listener = (message: string) => void;

/**
 * Redis pub/sub between controller replicas. Messages are hints (a change happened, a key was
 * revoked): every consumer re-reads Postgres, so a lost message delays but never loses anything.
 * Channel names get the install's Redis prefix.
 */
@Injectable()
export class PubSubService implements OnModuleInit, OnApplicationShutdown {
  private subscriber: Redis | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logger: JsonLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    // A connection in subscriber mode can run no other command, hence its own.
    this.subscriber = new Redis(this.config.redis.url, { maxRetriesPerRequest: null });
    this.subscriber.on('error', (e: Error) => this.logger.warn('pub/sub connection error', { error: e.message }));
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const listener of this.listeners.get(channel) ?? []) listener(message);
    });
    const channels = [...this.listeners.keys()];
    if (channels.length > 0) await this.subscriber.subscribe(...channels);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
  }

  publish(name: string, message: string): void {
    this.redis.publish(this.channel(name), message).catch((e: Error) => this.logger.warn('publish failed', { channel: name, error: e.message }));
  }

  /** Call from a constructor or onModuleInit; returns the unsubscribe function. */
  subscribe(name: string, listener: Listener): () => void {
    const channel = this.channel(name);
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      void this.subscriber?.subscribe(channel);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  private channel(name: string): string {
    return `${this.config.redis.prefix}:${name}`;
  }
}

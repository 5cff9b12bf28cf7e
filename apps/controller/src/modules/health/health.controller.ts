import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { REDIS } from '../../infra/redis.token';
import { Public } from '../access/access.decorators';
import { MetricsService } from './metrics.service';

const CHECK_TIMEOUT_MS = 2000;

@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly metrics: MetricsService,
  ) {}

  /** The process is alive. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /** Postgres and Redis are reachable: the replica can serve. */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) response: Response) {
    const [postgres, redis] = await Promise.all([check(() => this.dataSource.query('SELECT 1')), check(() => this.redis.ping())]);
    const ready = postgres === 'ok' && redis === 'ok';
    response.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not ready', checks: { postgres, redis } };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metricsText() {
    return this.metrics.registry.metrics();
  }
}

async function check(probe: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([probe(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS)))]);
    return 'ok';
  } catch (e) {
    return `down: ${(e as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

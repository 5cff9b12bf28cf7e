import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Response } from 'express';
import { JsonLogger } from '../../common/json-logger';
import type { AuthenticatedRequest } from '../access/principal';
import { MetricsService } from './metrics.service';

/** One log line and one histogram sample per request. Never logs bodies, headers or query strings. */
@Injectable()
export class RequestLogMiddleware implements NestMiddleware {
  constructor(
    private readonly logger: JsonLogger,
    private readonly metrics: MetricsService,
  ) {}

  use(request: AuthenticatedRequest, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
      this.metrics.httpDuration.observe({ method: request.method, route, status: String(response.statusCode) }, seconds);
      const level = response.statusCode >= 500 ? 'error' : 'info';
      const fields = { method: request.method, route, status: response.statusCode, ms: Math.round(seconds * 1000), actor: request.principal?.keyId ?? null, ip: request.ip };
      if (level === 'error') this.logger.error('request', fields);
      else this.logger.debug('request', fields);
    });
    next();
  }
}

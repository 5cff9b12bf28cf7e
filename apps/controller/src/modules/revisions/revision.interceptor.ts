import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { from, mergeMap, type Observable } from 'rxjs';
import { ApiError } from '../../common/api-error';
import { AppliedWaiter } from './applied-waiter.service';
import { WriteOutcome } from './write-outcome';

const MAX_WAIT_MS = 60_000;

@Injectable()
export class RevisionInterceptor implements NestInterceptor {
  constructor(private readonly waiter: AppliedWaiter) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const wait = parseWait(request.query);
    return next.handle().pipe(
      mergeMap((result: unknown) => {
        if (!(result instanceof WriteOutcome)) return from([result]);
        context.switchToHttp().getResponse<Response>().setHeader('X-Wgfleet-Revision', String(result.revision));
        const body = { ...result.body, revision: result.revision };
        if (wait === null) return from([body]);
        return from(this.waiter.waitFor(result.hostId, result.revision, wait).then((applied) => ({ ...body, applied })));
      }),
    );
  }
}

/** `?wait=applied&timeout=10s` → milliseconds to wait, or null. Validated before the write runs. */
function parseWait(query: Request['query']): number | null {
  if (query.wait === undefined) {
    if (query.timeout !== undefined) throw ApiError.invalid('timeout', 'timeout is only meaningful with wait=applied');
    return null;
  }
  if (query.wait !== 'applied') throw ApiError.invalid('wait', 'wait must be "applied"');
  if (query.timeout === undefined) return 10_000;
  const match = typeof query.timeout === 'string' ? /^(\d{1,6})(ms|s)?$/.exec(query.timeout) : null;
  const ms = match ? Number(match[1]) * (match[2] === 'ms' ? 1 : 1000) : NaN;
  if (!match || ms > MAX_WAIT_MS) throw ApiError.invalid('timeout', 'timeout must look like 10s or 500ms, at most 60s');
  return ms;
}

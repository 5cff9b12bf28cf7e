import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { catchError, throwError, type Observable } from 'rxjs';
import { checkVersion, toNativeBody, translateError } from './compat-wg.translate';

/**
 * The generic WireGuard API's edges, for its controllers only: `?version=` is checked, a seed-style
 * body is renamed to the native spelling before validation, and native errors get the seed's
 * messages where it names one. Everything between is the native pipeline.
 */
@Injectable()
export class CompatWgInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    checkVersion(request.query.version);
    // Interceptors run before pipes, so the global ValidationPipe sees the native spelling.
    if (request.body !== undefined) request.body = toNativeBody(request.body);
    return next.handle().pipe(catchError((error: unknown) => throwError(() => translateError(error))));
  }
}

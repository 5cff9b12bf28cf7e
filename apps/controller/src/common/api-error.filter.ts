import { ArgumentsHost, Catch, HttpException, HttpStatus, Inject, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ApiError, type ErrorBody } from './api-error';
import { bodyParserError } from './body-parsing';
import { apiErrorFromDatabase } from './db-errors';
import { describeError, JsonLogger } from './json-logger';

/** Renders every error as the contract's body; anything unexpected is logged and becomes a bare 500/503. */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  constructor(@Inject(JsonLogger) private readonly logger: JsonLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const error = this.toApiError(exception);
    if (response.headersSent) return;
    for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
    const body: ErrorBody = { error: true, status: error.status, code: error.code, message: error.message, details: error.details };
    // A handler may have set another Content-Type (text/plain for configs) before it threw.
    response.status(error.status).type('application/json').json(body);
  }

  private toApiError(exception: unknown): ApiError {
    if (exception instanceof ApiError) return exception;
    const fromDb = apiErrorFromDatabase(exception);
    if (fromDb) return fromDb;
    const fromParser = bodyParserError(exception);
    if (fromParser) return fromParser;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === HttpStatus.NOT_FOUND) return new ApiError(404, 'NOT_FOUND', 'Not found');
      if (status < 500) return new ApiError(status, httpCode(status), exception.message);
    }
    if (isDependencyDown(exception)) {
      this.logger.error('dependency unavailable', { error: describeError(exception) });
      return new ApiError(503, 'SERVICE_UNAVAILABLE', 'A backing service is unavailable; try again shortly', [], { 'Retry-After': '5' });
    }
    this.logger.error('unhandled error', { error: describeError(exception), stack: (exception as Error)?.stack });
    return new ApiError(500, 'INTERNAL', 'Internal error');
  }
}

function httpCode(status: number): string {
  const names: Record<number, string> = { 400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 405: 'METHOD_NOT_ALLOWED', 409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'RATE_LIMITED' };
  return names[status] ?? 'BAD_REQUEST';
}

function isDependencyDown(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  const message = (e as Error)?.message ?? '';
  return code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || /Connection terminated|connect ECONNREFUSED|Connection is closed|timeout exceeded when trying to connect/i.test(message);
}

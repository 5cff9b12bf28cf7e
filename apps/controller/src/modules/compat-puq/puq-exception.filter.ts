import { ArgumentsHost, Catch, HttpException, HttpStatus, Inject, type ExceptionFilter } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../../common/api-error';
import { bodyParserError } from '../../common/body-parsing';
import { apiErrorFromDatabase } from '../../common/db-errors';
import { describeError, JsonLogger } from '../../common/json-logger';
import { fail, PuqError, type PuqFailure } from './puq-envelope';
import { genericText, PUQ_TEXT } from './puq-errors';

/** The PUQ routes' roots: nothing native lives under them. */
export const PUQ_ROOTS = ['/api/v1/wireguard', '/api/v1/account', '/api/v1/port_forward', '/api/v1/system'];

/** Any failure as the PUQ envelope, plus the headers a client should still get (Retry-After). */
function puqFailure(exception: unknown, logger: JsonLogger): { body: PuqFailure; headers: Record<string, string> } {
  if (exception instanceof PuqError) return { body: fail(exception.message), headers: {} };
  const api = exception instanceof ApiError ? exception : (apiErrorFromDatabase(exception) ?? bodyParserError(exception));
  if (api) return { body: fail(genericText(api)), headers: api.headers };
  // Express's own client errors (a path parameter that is not valid percent-encoding) carry a 4xx status.
  if (exception instanceof URIError && (exception as { status?: number }).status === 400) return { body: fail('The request path could not be read'), headers: {} };
  if (exception instanceof HttpException && exception.getStatus() < HttpStatus.INTERNAL_SERVER_ERROR) {
    return { body: fail(exception.getStatus() === HttpStatus.NOT_FOUND ? PUQ_TEXT.unknownCall : exception.message), headers: {} };
  }
  logger.error('unhandled error on the PUQ surface', { error: describeError(exception) });
  return { body: fail(PUQ_TEXT.internal), headers: {} };
}

function send(response: Response, failure: { body: PuqFailure; headers: Record<string, string> }): void {
  for (const [name, value] of Object.entries(failure.headers)) response.setHeader(name, value);
  // PUQ clients read `status` from the body, never the HTTP status: always 200.
  response.status(200).type('application/json').json(failure.body);
}

/** Bound to the PUQ controllers: errors from the guard (auth, rate limit), pipes and handlers. */
@Catch()
export class PuqExceptionFilter implements ExceptionFilter {
  constructor(@Inject(JsonLogger) private readonly logger: JsonLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    send(response, puqFailure(exception, this.logger));
  }
}

/**
 * Express handlers for what never reaches a PUQ controller: a body the parsers refused
 * (malformed JSON, too large) and a path under a PUQ root that no route matches. Without them
 * Nest's global handlers would answer these with the native error body.
 */
export function puqFallbackHandlers(logger: JsonLogger): {
  unmatched: (request: Request, response: Response) => void;
  failed: (error: unknown, request: Request, response: Response, next: NextFunction) => void;
} {
  return {
    unmatched: (_request, response) => send(response, { body: fail(PUQ_TEXT.unknownCall), headers: {} }),
    failed: (error, _request, response, next) => {
      if (response.headersSent) return next(error);
      send(response, puqFailure(error, logger));
    },
  };
}

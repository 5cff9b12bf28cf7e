import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-error';

/** The media types the body parsers read (JSON, and forms for OAuth and the compatibility surfaces). */
const READABLE = new Set(['application/json', 'application/x-www-form-urlencoded']);

/**
 * A body of any other type would be skipped by the parsers and the request handled as if it had
 * none (a POST /interfaces with a text/plain body would create an interface with defaults): 415.
 */
export function rejectUnreadableBodies(req: Request, _res: Response, next: NextFunction): void {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (hasBody && !READABLE.has(type)) {
    next(new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `Send the body as application/json${type ? `, not ${type}` : ' (Content-Type is missing)'}`));
    return;
  }
  next();
}

interface ParserError {
  type?: string;
  status?: number;
}

/** A body parser's failure (its errors carry a `type`) as the API error it is; null for any other error. */
export function bodyParserError(exception: unknown): ApiError | null {
  const parser = exception as ParserError | null;
  if (parser?.type === 'entity.parse.failed') return new ApiError(400, 'MALFORMED_JSON', 'The request body is not valid JSON');
  if (parser?.type === 'entity.too.large') return new ApiError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large');
  if (parser?.type && parser.status && parser.status < 500) return new ApiError(parser.status, 'BAD_REQUEST', 'The request body could not be read');
  return null;
}

/**
 * Nest turns every SyntaxError reaching its error handler into a bare BadRequestException; the
 * JSON parser's is named here first, so it renders as MALFORMED_JSON.
 */
export function malformedBodyErrors(err: unknown, _req: Request, _res: Response, next: NextFunction): void {
  if (err instanceof SyntaxError && (err as ParserError).type === 'entity.parse.failed') {
    next(new ApiError(400, 'MALFORMED_JSON', 'The request body is not valid JSON (an object or array)'));
    return;
  }
  next(err);
}

import { createHash } from 'node:crypto';
import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { InjectRepository } from '@nestjs/typeorm';
import type { SecretBox } from '@wgfleet/domain';
import type { Response } from 'express';
import { catchError, from, mergeMap, of, type Observable } from 'rxjs';
import { LessThan, type Repository } from 'typeorm';
import { ApiError } from '../../common/api-error';
import { SECRET_BOX } from '../../infra/crypto.module';
import type { AuthenticatedRequest } from '../access/principal';
import { IdempotencyKeyEntity } from './idempotency-key.entity';

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/**
 * A first request still "running" after this long died with its process: a retry may take over.
 * Longer than any live request may take: `?wait=applied` alone holds a committed write for up to 60 s.
 */
const STALE_MS = 5 * 60_000;
const REPLAYED_HEADERS = ['x-wgfleet-revision', 'location'];
/** Associated data of sealed response bodies (see SecretBox). */
const BODY_CONTEXT = 'idempotency_keys.response_body';

/**
 * `Idempotency-Key` on a POST: the first successful response is stored and replayed for a retry
 * with the same key and body within 24 h; the same key with another body is a 422. A failed
 * request changed nothing and stores nothing, so its retry runs again. Stored responses are sealed
 * under the master key: some carry secrets shown only once (API keys, enrollment tokens).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @InjectRepository(IdempotencyKeyEntity) private readonly keys: Repository<IdempotencyKeyEntity>,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers['idempotency-key'];
    if (request.method !== 'POST' || header === undefined || !request.principal) return next.handle();
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || key.length > 255) throw ApiError.invalid('Idempotency-Key', 'Idempotency-Key must be 1-255 characters');
    const response = context.switchToHttp().getResponse<Response>();
    const credentialId = request.principal.keyId;
    const requestHash = createHash('sha256').update(`${request.method} ${request.originalUrl}\n${JSON.stringify(request.body ?? null)}`).digest('hex');
    const status = (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ?? 201;

    return from(this.claim(credentialId, key, requestHash)).pipe(
      mergeMap((stored) => {
        if (stored) {
          for (const [name, value] of Object.entries(stored.responseHeaders ?? {})) response.setHeader(name, value);
          response.setHeader('Idempotent-Replayed', 'true');
          response.status(stored.statusCode ?? status);
          return of(this.openBody(stored.responseBody));
        }
        return next.handle().pipe(
          mergeMap((body: unknown) => from(this.complete(credentialId, key, status, body, response)).pipe(mergeMap(() => of(body)))),
          catchError((error: unknown) => from(this.keys.delete({ credentialId, key })).pipe(mergeMap(() => Promise.reject(error)))),
        );
      }),
    );
  }

  /** Claims the key for this request, or returns the stored response to replay. */
  private async claim(credentialId: string, key: string, requestHash: string): Promise<IdempotencyKeyEntity | null> {
    await this.keys.delete({ credentialId, key, createdAt: LessThan(new Date(Date.now() - IDEMPOTENCY_TTL_MS)) });
    const inserted = (await this.keys.query(
      `INSERT INTO idempotency_keys (credential_id, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1`,
      [credentialId, key, requestHash],
    )) as unknown[];
    if (inserted.length > 0) return null;
    const existing = await this.keys.findOneBy({ credentialId, key });
    if (!existing) return this.claim(credentialId, key, requestHash);
    if (existing.requestHash !== requestHash) {
      throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request');
    }
    if (existing.statusCode === null) {
      if (Date.now() - existing.createdAt.getTime() < STALE_MS) {
        throw new ApiError(409, 'IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still running; retry shortly', [], { 'Retry-After': '1' });
      }
      // Conditional on the claim we saw: of several retries taking over at once, one wins.
      const taken = (await this.keys.query(
        `UPDATE idempotency_keys SET created_at = now()
          WHERE credential_id = $1 AND key = $2 AND status_code IS NULL AND created_at < now() - make_interval(secs => $3) RETURNING 1`,
        [credentialId, key, STALE_MS / 1000],
      )) as [unknown[], number];
      return taken[0].length > 0 ? null : this.claim(credentialId, key, requestHash);
    }
    return existing;
  }

  private async complete(credentialId: string, key: string, statusCode: number, body: unknown, response: Response): Promise<void> {
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = response.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    const sealed = { sealed: this.secrets.seal(JSON.stringify(body ?? null), BODY_CONTEXT) };
    await this.keys.update({ credentialId, key }, { statusCode, responseBody: sealed, responseHeaders: headers });
  }

  /** Rows written before bodies were sealed hold the body itself. */
  private openBody(stored: unknown): unknown {
    const sealed = (stored as { sealed?: unknown } | null)?.sealed;
    if (typeof sealed !== 'string' || Object.keys(stored as object).length !== 1) return stored;
    return JSON.parse(this.secrets.open(sealed, BODY_CONTEXT)) as unknown;
  }
}

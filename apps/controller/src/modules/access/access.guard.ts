import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { ApiError } from '../../common/api-error';
import type { Role } from './api-key.entity';
import { CREDENTIAL_COOKIE, PUBLIC_ROUTE, REQUIRED_ROLE } from './access.decorators';
import { CredentialsService } from './credentials.service';
import type { AuthenticatedRequest } from './principal';
import { RateLimiterService, type RateDecision } from './rate-limiter.service';
import { refusal } from './role-policy';

/**
 * Every non-public route: authenticate the bearer credential, count the request against the
 * caller's rate limit (the source address's when unauthenticated), then apply the role rules.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: CredentialsService,
    private readonly rateLimiter: RateLimiterService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    const targets = [context.getHandler(), context.getClass()];
    const sourceIp = request.ip ?? null;

    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) {
      await this.limit(`ip:${sourceIp}`, response);
      return true;
    }
    const bearer = bearerOf(request);
    const cookie = bearer === null ? cookieOf(request, this.reflector.getAllAndOverride<string | undefined>(CREDENTIAL_COOKIE, targets)) : null;
    if (cookie !== null && isCrossSite(request)) {
      await this.limit(`ip:${sourceIp}`, response);
      throw ApiError.unauthorized('The credential cookie is not accepted on cross-site requests; send Authorization: Bearer <key>');
    }
    const credential = bearer ?? cookie;
    if (!credential) {
      await this.limit(`ip:${sourceIp}`, response);
      throw ApiError.unauthorized('Send an API key or access token as Authorization: Bearer <key>');
    }
    let principal;
    try {
      principal = await this.credentials.authenticate(credential, sourceIp);
    } catch (e) {
      await this.limit(`ip:${sourceIp}`, response);
      throw e;
    }
    request.principal = principal;
    await this.limit(`key:${principal.keyId}`, response);
    const reason = refusal(principal.role, request.method, this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets));
    if (reason) throw ApiError.forbidden(reason);
    return true;
  }

  private async limit(bucket: string, response: Response): Promise<void> {
    const decision: RateDecision = await this.rateLimiter.hit(bucket);
    response.setHeader('RateLimit-Limit', String(decision.limit));
    response.setHeader('RateLimit-Remaining', String(decision.remaining));
    if (!decision.allowed) {
      throw new ApiError(429, 'RATE_LIMITED', `Too many requests; retry in ${decision.retryAfterSeconds} s`, [], { 'Retry-After': String(decision.retryAfterSeconds) });
    }
  }
}

function bearerOf(request: AuthenticatedRequest): string | null {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1] ?? null;
}

/**
 * Whether a browser made this request from another site. A cookie is an ambient credential: a
 * browser that holds it sends it with any request a page on any site makes (a form post, an
 * <img>), so a cookie-authenticated write (PUQ's GET set_bandwidth) could be driven cross-site
 * (CSRF). The cookie surfaces' real clients, billing panels, call server-to-server (curl, PHP,
 * WHMCS) and send neither header below, so refusing what browsers mark as cross-site costs them
 * nothing. Fetch Metadata (`Sec-Fetch-Site`) is authoritative where sent; otherwise an `Origin`
 * that is not this controller's own (by the Host header; "null" included) marks it.
 */
function isCrossSite(request: AuthenticatedRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = request.headers.origin;
  return origin !== undefined && !isOwnOrigin(origin, request.headers.host);
}

function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const from = new URL(origin);
    // Host as the origin's scheme would write it (lowercase, default port dropped).
    return from.host === new URL(`${from.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

/** The named cookie's value, when the route accepts a credential cookie (see CredentialCookie). */
function cookieOf(request: AuthenticatedRequest, name: string | undefined): string | null {
  const header = request.headers.cookie;
  if (!name || !header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw) || null;
    } catch {
      return null;
    }
  }
  return null;
}

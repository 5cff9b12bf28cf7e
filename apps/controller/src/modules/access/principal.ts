import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Role } from './api-key.entity';

/** Who is calling: resolved once per request by AuthGuard. */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
}

/** What writes record as their author (audit events, host changes). */
export interface Actor {
  keyId: string | null;
  name: string;
  sourceIp: string | null;
}

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

export const SYSTEM_ACTOR: Actor = { keyId: null, name: 'system', sourceIp: null };

export function actorOf(request: AuthenticatedRequest): Actor {
  return { keyId: request.principal?.keyId ?? null, name: request.principal?.name ?? 'anonymous', sourceIp: request.ip ?? null };
}

/** Handler parameter: the calling actor. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => actorOf(ctx.switchToHttp().getRequest<AuthenticatedRequest>()));

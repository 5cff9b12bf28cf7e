import { SetMetadata } from '@nestjs/common';
import type { Role } from './api-key.entity';

export const PUBLIC_ROUTE = 'wgfleet:public';
export const REQUIRED_ROLE = 'wgfleet:role';
export const CREDENTIAL_COOKIE = 'wgfleet:credential-cookie';

/** No credentials needed (health, metrics, docs, the OAuth token endpoint). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** Stricter than the method rule: e.g. API keys are admin-only. */
export const RequireRole = (role: Role): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLE, role);

/**
 * Also accept the API key from this cookie when no Authorization header is sent. Only for
 * compatibility surfaces whose clients authenticate that way (PUQ's `access_hash`).
 */
export const CredentialCookie = (name: string): MethodDecorator & ClassDecorator => SetMetadata(CREDENTIAL_COOKIE, name);

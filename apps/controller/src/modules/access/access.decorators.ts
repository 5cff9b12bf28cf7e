import { SetMetadata } from '@nestjs/common';
import type { Role } from './api-key.entity';

export const PUBLIC_ROUTE = 'wgfleet:public';
export const REQUIRED_ROLE = 'wgfleet:role';

/** No credentials needed (health, metrics, docs, the OAuth token endpoint). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** Stricter than the method rule: e.g. API keys are admin-only. */
export const RequireRole = (role: Role): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLE, role);

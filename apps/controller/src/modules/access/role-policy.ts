import type { Role } from './api-key.entity';

const RANK: Record<Role, number> = { readonly: 0, operator: 1, admin: 2 };

/**
 * readonly: reads only; operator: everything but admin-only resources; admin: everything.
 * Returns the reason to refuse, or null.
 */
export function refusal(role: Role, method: string, required: Role | undefined): string | null {
  if (required && RANK[role] < RANK[required]) return `This requires the ${required} role; the key has ${role}`;
  const isRead = method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
  if (!isRead && role === 'readonly') return 'A readonly key can only read';
  return null;
}

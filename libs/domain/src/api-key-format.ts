// API keys: "wgf_<id>_<secret>". The id is the lookup key; only a hash of the secret is stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'wgf_';
const ID_RE = /^[0-9a-f]{16}$/;
const SECRET_RE = /^[A-Za-z0-9_-]{43}$/;
const SHA256_HEX_RE = /^[0-9a-f]{64}$/;

export interface ApiKeyParts {
  id: string;
  secret: string;
}

export function generateApiKey(): ApiKeyParts & { key: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, key: `${PREFIX}${id}_${secret}` };
}

export function parseApiKey(key: string): ApiKeyParts | null {
  if (typeof key !== 'string' || !key.startsWith(PREFIX)) return null;
  const rest = key.slice(PREFIX.length);
  // The id is hex, so the first "_" ends it; the secret itself may contain "_".
  const sep = rest.indexOf('_');
  if (sep === -1) return null;
  const id = rest.slice(0, sep);
  const secret = rest.slice(sep + 1);
  return ID_RE.test(id) && SECRET_RE.test(secret) ? { id, secret } : null;
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/**
 * Plain SHA-256 is enough: secrets are 256-bit random, so there is nothing to brute-force and a
 * slow password hash (bcrypt/argon2) would only cost CPU on every request.
 */
export function hashApiSecret(secret: string): string {
  return sha256Hex(secret);
}

export function apiSecretMatches(secret: string, hash: string): boolean {
  if (!SHA256_HEX_RE.test(hash)) return false;
  return timingSafeEqual(Buffer.from(hashApiSecret(secret), 'hex'), Buffer.from(hash, 'hex'));
}

/** One-time tokens (enrollment) are random like API secrets, so SHA-256 is enough here too. */
export function hashToken(token: string): string {
  return sha256Hex(token);
}

export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

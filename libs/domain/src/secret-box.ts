// Authenticated encryption for secrets at rest (peer private keys, RouterOS passwords).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const MASTER_KEY_LENGTH = 32;
const IV_LENGTH = 12; // the GCM standard nonce size
const TAG_LENGTH = 16;
const VERSION = 'v1';
const B64URL_RE = /^[A-Za-z0-9_-]*$/;

/**
 * Accepts 64 hex chars or base64 (standard or url-safe) of exactly 32 bytes. Messages never
 * echo the value: it is a secret and ends up in logs.
 */
export function parseMasterKey(value: string): Buffer {
  const v = value.trim();
  // Hex first: 64 hex chars are also valid base64 (of 48 bytes).
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) {
    const raw = Buffer.from(v, 'base64');
    if (raw.length === MASTER_KEY_LENGTH) return raw;
    throw new Error(`master key must decode to ${MASTER_KEY_LENGTH} bytes (got ${raw.length})`);
  }
  throw new Error(`master key must be ${MASTER_KEY_LENGTH} bytes as base64 or 64 hex characters`);
}

/** Independent 32-byte subkey per purpose (HKDF-SHA256), so one master key can serve many uses. */
export function deriveKey(masterKey: Buffer, purpose: string): Buffer {
  if (masterKey.length !== MASTER_KEY_LENGTH) throw new Error(`master key must be ${MASTER_KEY_LENGTH} bytes`);
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), purpose, 32));
}

export class SecretBox {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    this.key = deriveKey(masterKey, 'wgfleet secret-box v1');
  }

  /** `context` (e.g. "peer:<id>:privateKey") is bound as AAD: a ciphertext moved elsewhere won't open. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_LENGTH });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION || !parts.every((p) => B64URL_RE.test(p))) {
      throw new Error('secret-box: not a sealed value in a known format');
    }
    const iv = Buffer.from(parts[1]!, 'base64url');
    const tag = Buffer.from(parts[2]!, 'base64url');
    if (iv.length !== IV_LENGTH || tag.length !== TAG_LENGTH) throw new Error('secret-box: malformed sealed value');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_LENGTH });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('secret-box: cannot open sealed value (wrong master key, wrong context or tampered data)');
    }
  }
}

// WireGuard keys are raw 32-byte X25519 keys in standard base64. node:crypto only speaks
// DER/PEM/JWK, so raw keys are wrapped in fixed DER headers (RFC 8410) on the way in.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const KEY_LENGTH = 32;

export interface WireguardKeyPair {
  privateKey: string;
  publicKey: string;
}

export function isValidWireguardKey(s: string): boolean {
  if (typeof s !== 'string' || s.length !== 44 || !/^[A-Za-z0-9+/]{43}=$/.test(s)) return false;
  const raw = Buffer.from(s, 'base64');
  // Round-trip rejects non-canonical encodings (non-zero padding bits), which `wg` also rejects.
  return raw.length === KEY_LENGTH && raw.toString('base64') === s;
}

function rawPublicKey(key: KeyObject): string {
  const x = createPublicKey(key).export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new Error('X25519 public key export failed');
  return Buffer.from(x, 'base64url').toString('base64');
}

export function generateKeyPair(): WireguardKeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  const d = privateKey.export({ format: 'jwk' }).d;
  if (typeof d !== 'string') throw new Error('X25519 private key export failed');
  return { privateKey: Buffer.from(d, 'base64url').toString('base64'), publicKey: rawPublicKey(privateKey) };
}

export function publicKeyFromPrivate(privateKey: string): string {
  if (!isValidWireguardKey(privateKey)) throw new Error('not a valid WireGuard private key');
  const der = Buffer.concat([PKCS8_X25519_PREFIX, Buffer.from(privateKey, 'base64')]);
  return rawPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
}

export function generatePresharedKey(): string {
  return randomBytes(KEY_LENGTH).toString('base64');
}

export function keyPairMatches(privateKey: string, publicKey: string): boolean {
  if (!isValidWireguardKey(privateKey) || !isValidWireguardKey(publicKey)) return false;
  return publicKeyFromPrivate(privateKey) === publicKey;
}

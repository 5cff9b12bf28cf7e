import { X509Certificate, createHash, createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// The agent's identity: an ECDSA P-256 key made on the host (the private key never leaves it) and
// a CSR for the controller's CA to sign. WebCrypto keeps the key in a standard PKCS#8 form that
// Node's TLS stack reads directly.

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface GeneratedIdentity {
  /** PKCS#8 PEM. Secret: written 0600, never logged. */
  privateKeyPem: string;
  csrPem: string;
}

/** Generates a fresh key pair and a CSR for it. `commonName` is informative: the CA binds the certificate to the host. */
export async function generateIdentity(commonName: string): Promise<GeneratedIdentity> {
  const crypto = webcrypto;
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { privateKeyPem: toPem(pkcs8, 'PRIVATE KEY'), csrPem: await createCsr(keys, commonName) };
}

/**
 * A CSR for the key the agent already has (certificate renewal). Keeping the key makes a renewal
 * one atomic file replacement: there is never a moment where key and certificate disagree.
 */
export async function createCsrForKey(privateKeyPem: string, commonName: string): Promise<string> {
  const key = createPrivateKey(privateKeyPem);
  const subtle = webcrypto.subtle;
  const privateKey = await subtle.importKey('pkcs8', key.export({ format: 'der', type: 'pkcs8' }), ALGORITHM, false, ['sign']);
  const publicKey = await subtle.importKey('spki', createPublicKey(key).export({ format: 'der', type: 'spki' }), ALGORITHM, true, ['verify']);
  return createCsr({ privateKey, publicKey }, commonName);
}

async function createCsr(keys: webcrypto.CryptoKeyPair, commonName: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    { name: `CN=${escapeDnValue(commonName)}`, keys, signingAlgorithm: ALGORITHM },
    webcrypto,
  );
  return csr.toString('pem');
}

export interface CertificateInfo {
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER, lowercase hex without separators. */
  fingerprint: string;
}

export function certificateInfo(pem: string): CertificateInfo {
  const cert = new X509Certificate(pem);
  return {
    subject: cert.subject,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    fingerprint: certificateFingerprint(cert.raw),
  };
}

/** SHA-256 of a DER certificate as lowercase hex: the form `--ca-fingerprint` is compared in. */
export function certificateFingerprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Accepts "AB:CD:..." or "abcd..." (what `openssl x509 -fingerprint -sha256` and our CLI print). */
export function normalizeFingerprint(value: string): string {
  const hex = value.replace(/^sha256[:=]/i, '').replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error('a certificate fingerprint is 64 hex digits (SHA-256), optionally colon-separated');
  return hex;
}

/**
 * When to renew: at two thirds of the lifetime, so a host that is offline for a while still has a
 * third of it left to come back and renew.
 */
export function renewalTime(info: Pick<CertificateInfo, 'notBefore' | 'notAfter'>): Date {
  const life = info.notAfter.getTime() - info.notBefore.getTime();
  return new Date(info.notBefore.getTime() + (life * 2) / 3);
}

function toPem(der: Buffer, label: string): string {
  const body = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

function escapeDnValue(v: string): string {
  return v.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`);
}

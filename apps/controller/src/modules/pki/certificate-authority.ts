import { createHash, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

// The agents' certificate authority: ECDSA P-256 throughout. A host's identity is the URI SAN
// `urn:wgfleet:host:<host id>` of its client certificate; the controller accepts a certificate
// only when it chains to this CA and its serial is the one recorded as the host's current one.
// Pure crypto, no I/O: the service around it stores the CA and records serials.

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const HOST_URN_PREFIX = 'urn:wgfleet:host:';
const DAY_MS = 86_400_000;
// Clock skew between the controller and a freshly booted host must not make a new certificate
// "not yet valid".
const BACKDATE_MS = 5 * 60_000;

const crypto = webcrypto;

export interface CaMaterial {
  certificatePem: string;
  /** PKCS#8 PEM. Sensitive: stored sealed, never logged. */
  privateKeyPem: string;
}

export interface LoadedCa {
  certificatePem: string;
  certificate: X509Certificate;
  /** SHA-256 of the CA certificate's DER, lowercase hex: the pin carried by enrollment tokens. */
  fingerprint: string;
  privateKey: webcrypto.CryptoKey;
}

export interface IssuedCertificate {
  certificatePem: string;
  /** Uppercase hex, as node's X509Certificate reports it. */
  serial: string;
  fingerprint: string;
  notAfter: Date;
}

export interface KeyPairPem {
  certificatePem: string;
  privateKeyPem: string;
}

export class CsrError extends Error {}

export async function createCa(now = new Date()): Promise<CaMaterial> {
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: newSerial(),
      name: 'CN=wgfleet agent CA',
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + 20 * 365 * DAY_MS),
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { certificatePem: cert.toString('pem'), privateKeyPem: await exportPrivateKey(keys.privateKey) };
}

export async function loadCa(material: CaMaterial): Promise<LoadedCa> {
  const certificate = new X509Certificate(material.certificatePem);
  const privateKey = await crypto.subtle.importKey('pkcs8', pemBody(material.privateKeyPem), ALGORITHM, false, ['sign']);
  return { certificatePem: material.certificatePem, certificate, fingerprint: fingerprintOf(certificate.raw), privateKey };
}

/** A TLS server certificate for the gRPC listener, for `hostnames` (DNS names or IP addresses). */
export async function issueServerCertificate(ca: LoadedCa, hostnames: string[], now = new Date()): Promise<KeyPairPem> {
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const names = hostnames.map((h): x509.JsonGeneralName => ({ type: isIP(h) ? 'ip' : 'dns', value: h }));
  const cert = await sign(ca, {
    subject: `CN=${hostnames[0] ?? 'wgfleet-controller'}`,
    publicKey: keys.publicKey,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + 5 * 365 * DAY_MS),
    extensions: [
      new x509.SubjectAlternativeNameExtension(names),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  return { certificatePem: cert.toString('pem'), privateKeyPem: await exportPrivateKey(keys.privateKey) };
}

/**
 * Signs a host's CSR. Only the CSR's public key is used (after checking the CSR's own signature,
 * which proves the agent holds the private key); subject and names come from the controller.
 */
export async function issueHostCertificate(ca: LoadedCa, csrPem: string, hostId: string, validityDays: number, now = new Date()): Promise<IssuedCertificate> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw new CsrError('csr_pem is not a PEM certificate request');
  }
  if (!(await csr.verify(crypto).catch(() => false))) throw new CsrError('the certificate request is not signed by its own key');
  const cert = await sign(ca, {
    subject: `CN=${hostId}`,
    publicKey: csr.publicKey,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + validityDays * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `${HOST_URN_PREFIX}${hostId}` }]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  const node = new X509Certificate(cert.toString('pem'));
  return { certificatePem: node.toString(), serial: node.serialNumber, fingerprint: fingerprintOf(node.raw), notAfter: new Date(node.validTo) };
}

export interface VerifiedHostCertificate {
  hostId: string;
  serial: string;
}

/** The host a client certificate names, if the CA issued it and it is valid now; null otherwise. */
export function verifyHostCertificate(ca: LoadedCa, der: Buffer, now = new Date()): VerifiedHostCertificate | null {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return null;
  }
  if (!cert.checkIssued(ca.certificate) || !cert.verify(ca.certificate.publicKey)) return null;
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) return null;
  const uri = (cert.subjectAltName ?? '').split(', ').find((n) => n.startsWith(`URI:${HOST_URN_PREFIX}`));
  return uri ? { hostId: uri.slice(`URI:${HOST_URN_PREFIX}`.length), serial: cert.serialNumber } : null;
}

function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

async function sign(ca: LoadedCa, params: Omit<x509.X509CertificateCreateWithKeyParams, 'signingKey' | 'issuer' | 'serialNumber'>): Promise<x509.X509Certificate> {
  const issuer = new x509.X509Certificate(ca.certificatePem);
  return x509.X509CertificateGenerator.create(
    {
      ...params,
      serialNumber: newSerial(),
      issuer: issuer.subject,
      signingKey: ca.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions: [...(params.extensions ?? []), await x509.AuthorityKeyIdentifierExtension.create(issuer, false, crypto)],
    },
    crypto,
  );
}

/** 128 random bits, positive and without a leading zero byte, so its hex form is canonical. */
function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = 0x10 + ((bytes[0] ?? 0) % 0x70);
  return bytes.toString('hex');
}

async function exportPrivateKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`;
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

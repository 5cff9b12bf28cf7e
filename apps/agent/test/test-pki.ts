import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// A throwaway CA for transport tests: a server certificate for 127.0.0.1 and signing of agent
// CSRs, the way a controller does it (ECDSA P-256, URI SAN naming the host).

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
// @peculiar/x509 types its provider as the DOM Crypto, which Node's webcrypto implements.
const crypto = webcrypto as unknown as NonNullable<Parameters<typeof x509.X509CertificateGenerator.create>[1]>;

export interface TestCa {
  certificatePem: string;
  issueServer(names: { dns?: string[]; ip?: string[] }): Promise<{ certificatePem: string; privateKeyPem: string }>;
  signCsr(csrPem: string, hostId: string, lifetimeMs: number, notBefore?: Date): Promise<string>;
}

export async function createTestCa(): Promise<TestCa> {
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: 'CN=wgfleet test CA',
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 86_400_000),
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    },
    crypto,
  );
  const sign = (subject: string, publicKey: webcrypto.CryptoKey, notBefore: Date, notAfter: Date, extensions: x509.Extension[]): Promise<x509.X509Certificate> =>
    x509.X509CertificateGenerator.create(
      { serialNumber: serial(), subject, issuer: ca.subject, notBefore, notAfter, publicKey, signingKey: keys.privateKey, signingAlgorithm: ALGORITHM, extensions },
      crypto,
    );
  return {
    certificatePem: pem(ca),
    async issueServer(names) {
      const k = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
      const san = [...(names.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(names.ip ?? []).map((value) => ({ type: 'ip' as const, value }))];
      const cert = await sign('CN=controller', k.publicKey, new Date(now - 60_000), new Date(now + 86_400_000), [
        new x509.SubjectAlternativeNameExtension(san),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ]);
      const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', k.privateKey));
      return { certificatePem: pem(cert), privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n` };
    },
    async signCsr(csrPem, hostId, lifetimeMs, notBefore = new Date(Date.now() - 60_000)) {
      const csr = new x509.Pkcs10CertificateRequest(csrPem);
      const cert = await sign(`CN=${hostId}`, await csr.publicKey.export(crypto), notBefore, new Date(notBefore.getTime() + lifetimeMs), [
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `urn:wgfleet:host:${hostId}` }]),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      ]);
      return pem(cert);
    },
  };
}

/** PEM with a final newline, so certificates can be concatenated into a chain. */
function pem(cert: x509.X509Certificate): string {
  return `${cert.toString('pem').trimEnd()}\n`;
}

function serial(): string {
  return `1${randomBytes(15).toString('hex')}`;
}

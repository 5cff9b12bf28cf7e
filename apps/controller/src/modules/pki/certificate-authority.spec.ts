import * as x509 from '@peculiar/x509';
import { webcrypto, X509Certificate } from 'node:crypto';
import { createCa, CsrError, issueHostCertificate, issueServerCertificate, loadCa, verifyHostCertificate, type LoadedCa } from './certificate-authority';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const HOST = '3f0c1d2e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';

async function csr(name = 'CN=whatever-the-agent-says'): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  return (await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm: ALGORITHM }, webcrypto)).toString('pem');
}

describe('agent certificate authority', () => {
  let ca: LoadedCa;
  beforeAll(async () => {
    ca = await loadCa(await createCa());
  });

  it('binds host certificates to the host id, whatever the CSR asked for', async () => {
    const issued = await issueHostCertificate(ca, await csr(`CN=${'another-host'}`), HOST, 30);
    const cert = new X509Certificate(issued.certificatePem);
    expect(cert.subject).toBe(`CN=${HOST}`);
    expect(cert.subjectAltName).toBe(`URI:urn:wgfleet:host:${HOST}`);
    expect(issued.serial).toBe(cert.serialNumber);
    expect(verifyHostCertificate(ca, cert.raw)).toEqual({ hostId: HOST, serial: cert.serialNumber });
  });

  it('refuses certificates of another CA, expired ones, and server certificates', async () => {
    const other = await loadCa(await createCa());
    const foreign = new X509Certificate((await issueHostCertificate(other, await csr(), HOST, 30)).certificatePem);
    expect(verifyHostCertificate(ca, foreign.raw)).toBeNull();
    const expired = new X509Certificate((await issueHostCertificate(ca, await csr(), HOST, 1, new Date(Date.now() - 3 * 86_400_000))).certificatePem);
    expect(verifyHostCertificate(ca, expired.raw)).toBeNull();
    const server = new X509Certificate((await issueServerCertificate(ca, ['localhost', '127.0.0.1'])).certificatePem);
    expect(server.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(verifyHostCertificate(ca, server.raw)).toBeNull();
    expect(verifyHostCertificate(ca, Buffer.from('garbage'))).toBeNull();
  });

  it('refuses a CSR that is not one', async () => {
    await expect(issueHostCertificate(ca, 'nope', HOST, 30)).rejects.toThrow(CsrError);
  });
});

import { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { startTestApp, type TestApp } from './harness';

// Node's WebCrypto is what @peculiar/x509 expects; its typings name the DOM's Crypto type.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

async function selfSignedLocalhost(): Promise<{ cert: string; key: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=localhost',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }])],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem'), key };
}

describe('REST API over HTTPS (WGFLEET_TLS_CERT_FILE / WGFLEET_TLS_KEY_FILE)', () => {
  let t: TestApp;
  let dir: string;
  let cert: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wgfleet-tls-'));
    const pair = await selfSignedLocalhost();
    cert = pair.cert;
    writeFileSync(join(dir, 'cert.pem'), pair.cert);
    writeFileSync(join(dir, 'key.pem'), pair.key, { mode: 0o600 });
    t = await startTestApp({ WGFLEET_TLS_CERT_FILE: join(dir, 'cert.pem'), WGFLEET_TLS_KEY_FILE: join(dir, 'key.pem') });
  });

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers over TLS with the configured certificate', async () => {
    const res = await t.http().get('/api/v1/hosts').ca(cert).set(t.auth());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });

  it('refuses clients that do not trust the certificate', async () => {
    await expect(t.http().get('/healthz')).rejects.toThrow(/self[- ]signed|certificate/i);
  });
});

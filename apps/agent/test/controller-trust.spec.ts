import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:tls';
import { fetchPinnedCaCertificate, ControllerTrustError } from '../src/enroll/controller-trust';
import { certificateFingerprint } from '../src/identity/identity';
import { createTestCa, type TestCa } from './test-pki';

// The pin check against a real TLS server, presenting its chain with and without the CA.

describe('controller trust before enrollment', () => {
  let ca: TestCa;
  let pin: string;
  const servers: Server[] = [];

  async function serve(withCaInChain: boolean): Promise<number> {
    const leaf = await ca.issueServer({ ip: ['127.0.0.1'] });
    const server = createServer({ cert: leaf.certificatePem + (withCaInChain ? ca.certificatePem : ''), key: leaf.privateKeyPem });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    ca = await createTestCa();
    pin = certificateFingerprint(new X509Certificate(ca.certificatePem).raw);
  });
  afterAll(() => servers.forEach((s) => s.close()));

  it('returns the CA whose fingerprint matches the pin', async () => {
    const port = await serve(true);
    const pem = await fetchPinnedCaCertificate('127.0.0.1', port, pin);
    expect(new X509Certificate(pem).raw.equals(new X509Certificate(ca.certificatePem).raw)).toBe(true);
  });

  it('refuses a server whose chain has no certificate with that fingerprint', async () => {
    const port = await serve(true);
    await expect(fetchPinnedCaCertificate('127.0.0.1', port, 'ab'.repeat(32))).rejects.toThrow(ControllerTrustError);
    const bare = await serve(false);
    await expect(fetchPinnedCaCertificate('127.0.0.1', bare, pin)).rejects.toThrow(/presented no certificate with SHA-256 fingerprint/);
  });

  it('reports an unreachable controller clearly', async () => {
    const port = await serve(true);
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetchPinnedCaCertificate('127.0.0.1', port, pin)).rejects.toThrow(/cannot reach the controller/);
  });
});

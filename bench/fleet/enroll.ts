// Enrollment as an agent does it: find the controller's CA by the fingerprint the token carries,
// make a key pair on the "host", and trade a CSR plus the one-time token for a client certificate.
import * as x509 from '@peculiar/x509';
import { splitEnrollmentToken } from '@wgfleet/domain';
import type { AgentServiceClient, HostFacts } from '@wgfleet/proto';
import { createHash, webcrypto } from 'node:crypto';
import { connect, type DetailedPeerCertificate } from 'node:tls';

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** The controller presents its certificate and the CA: a longer chain is not ours. */
const MAX_CHAIN = 4;

/** What a simulated host keeps after enrolling. */
export interface AgentIdentity {
  hostId: string;
  keyPem: string;
  certPem: string;
}

/**
 * The CA certificate (PEM) in the chain the gRPC listener presents whose SHA-256 is `fingerprint`.
 * The chain is read without trusting it; only the pin makes the CA a trust anchor.
 */
export async function pinnedCaPem(host: string, port: number, fingerprint: string): Promise<string> {
  const leaf = await new Promise<DetailedPeerCertificate>((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () => {
      resolve(socket.getPeerCertificate(true));
      socket.destroy();
    });
    socket.once('error', reject);
  });
  let cert: DetailedPeerCertificate | undefined = leaf;
  for (let depth = 0; cert?.raw && depth < MAX_CHAIN; depth++, cert = cert.issuerCertificate) {
    if (createHash('sha256').update(cert.raw).digest('hex') === fingerprint) return new x509.X509Certificate(cert.raw).toString('pem');
  }
  throw new Error(`no certificate with SHA-256 ${fingerprint} in the chain the controller presents`);
}

/** The CA fingerprint a pinned enrollment token carries. */
export function tokenPin(token: string): string {
  const pin = splitEnrollmentToken(token).caFingerprint;
  if (!pin) throw new Error('the enrollment token carries no CA fingerprint');
  return pin;
}

/** Makes a P-256 key pair, sends its CSR with `token` over `client` (server-authenticated TLS). */
export async function enroll(client: AgentServiceClient, token: string, facts: HostFacts): Promise<AgentIdentity> {
  const keys = await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${facts.hostname ?? 'bench'}`, keys, signingAlgorithm: ECDSA_P256 }, webcrypto);
  const res = await new Promise<{ hostId: string; certificatePem: string }>((resolve, reject) =>
    client.enroll({ token, csrPem: csr.toString('pem'), facts }, (e, r) => (e || !r ? reject(e ?? new Error('empty Enroll response')) : resolve(r))),
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`;
  return { hostId: res.hostId, keyPem, certPem: res.certificatePem };
}

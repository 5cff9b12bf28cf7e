import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import { certificateFingerprint } from '../identity/identity';

// Before enrollment the agent has no trust anchor, yet it must not hand its one-time token to
// whoever answers on the controller's address. The operator gives it a pin: the SHA-256
// fingerprint of the controller's CA certificate (carried by the enrollment token, see
// splitEnrollmentToken in @wgfleet/domain, or passed as --ca-fingerprint). A first TLS handshake without verification only fetches the server's
// chain; the CA certificate whose fingerprint matches the pin becomes the trust anchor, and the
// Enroll call itself then runs over normally verified TLS against it. A server that does not
// present the pinned CA in its chain is refused before anything is sent.

export class ControllerTrustError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControllerTrustError';
  }
}

/** Connects once, reads the presented chain and returns the pinned CA certificate as PEM. */
export async function fetchPinnedCaCertificate(host: string, port: number, pin: string, timeoutMs = 10_000): Promise<string> {
  const chain = await presentedChain(host, port, timeoutMs);
  const match = chain.find((der) => certificateFingerprint(der) === pin);
  if (!match) {
    throw new ControllerTrustError(
      `the controller at ${host}:${port} presented no certificate with SHA-256 fingerprint ${pin}; ` +
        'check the address and the token (or --ca-fingerprint)',
    );
  }
  return derToPem(match);
}

function presentedChain(host: string, port: number, timeoutMs: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    // No verification here on purpose: this connection only reads certificates, sends nothing,
    // and its result is checked against the pin.
    const socket = connect({ host, port, servername: isIP(host) ? undefined : host, rejectUnauthorized: false, ALPNProtocols: ['h2'] });
    socket.setTimeout(timeoutMs, () => socket.destroy(new ControllerTrustError(`TLS handshake with ${host}:${port} timed out`)));
    socket.once('error', (e) => reject(new ControllerTrustError(`cannot reach the controller at ${host}:${port}: ${e.message}`)));
    socket.once('secureConnect', () => {
      const chain = walkChain(socket.getPeerCertificate(true));
      socket.destroy();
      resolve(chain);
    });
  });
}

function walkChain(leaf: DetailedPeerCertificate): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<string>();
  // A self-signed root points at itself as its issuer: stop at the first repeat.
  for (let c: DetailedPeerCertificate | undefined = leaf; c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    out.push(c.raw);
  }
  return out;
}

function derToPem(der: Buffer): string {
  const body = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`;
}

// What `POST /hosts` hands out for enrolling a host: "<one-time token>.<CA fingerprint>". Before
// enrolling, an agent has no trust anchor, yet must not give its token to whoever answers at the
// controller's address; the SHA-256 fingerprint of the controller's CA certificate rides along,
// so `wgfleet-agent enroll --controller host:port --token <value>` can pin the server without
// another flag. The fingerprint is public (it is in every TLS handshake); the whole value is
// stored only as a hash. Tokens are base64url, which has no ".".

const PINNED = /^([A-Za-z0-9_-]+)\.([0-9a-f]{64})$/;

export function pinEnrollmentToken(token: string, caFingerprint: string): string {
  return `${token}.${caFingerprint}`;
}

/**
 * Accepts the pinned form and the bare token alike: an agent may strip the pin before sending, and
 * the controller re-pins with its own fingerprint before hashing.
 */
export function splitEnrollmentToken(value: string): { token: string; caFingerprint: string | null } {
  const m = PINNED.exec(value);
  return m ? { token: m[1] as string, caFingerprint: m[2] as string } : { token: value, caFingerprint: null };
}

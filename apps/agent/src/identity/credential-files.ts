import { readFile } from 'node:fs/promises';
import { statePaths } from '../config/agent-config';
import { writeFileAtomic } from '../config/atomic-file';

// The agent's TLS identity on disk, in the state directory: its private key (0600, never leaves
// the host), its client certificate and the controller's CA. Each file is replaced atomically.

export interface Credentials {
  /** PKCS#8 PEM. Secret. */
  privateKeyPem: string;
  certificatePem: string;
  caCertificatePem: string;
}

export async function saveCredentials(stateDir: string, c: Credentials): Promise<void> {
  const paths = statePaths(stateDir);
  // The key first: a certificate on disk always belongs to the key next to it or to an older
  // enrollment, and the config (written last by enroll) is what marks the host as enrolled.
  await writeFileAtomic(paths.key, c.privateKeyPem, 0o600);
  await writeFileAtomic(paths.ca, c.caCertificatePem, 0o644);
  await writeFileAtomic(paths.cert, c.certificatePem, 0o644);
}

/** Replaces the certificate (and CA) after a renewal; the key stays (see renewal.ts). */
export async function saveRenewedCertificate(stateDir: string, certificatePem: string, caCertificatePem: string): Promise<void> {
  const paths = statePaths(stateDir);
  await writeFileAtomic(paths.ca, caCertificatePem, 0o644);
  await writeFileAtomic(paths.cert, certificatePem, 0o644);
}

export async function loadCredentials(stateDir: string): Promise<Credentials> {
  const paths = statePaths(stateDir);
  const read = async (path: string, what: string): Promise<string> => {
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${path}: ${what} not found; run \`wgfleet-agent enroll\` first`);
      throw e;
    }
  };
  return {
    privateKeyPem: await read(paths.key, 'private key'),
    certificatePem: await read(paths.cert, 'certificate'),
    caCertificatePem: await read(paths.ca, 'CA certificate'),
  };
}

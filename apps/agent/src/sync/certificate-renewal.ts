import { X509Certificate, createPrivateKey } from 'node:crypto';
import { loadCredentials, saveRenewedCertificate } from '../identity/credential-files';
import { certificateInfo, createCsrForKey, renewalTime } from '../identity/identity';

// Certificate rotation without operator action: from two thirds of its lifetime on (see
// renewalTime), the agent asks the controller (Renew, over the current mTLS identity) to sign a
// new certificate for its existing key. The new one is used from the next connection on.
//
// A renewal can fail after the controller issued the certificate (the answer is lost, or fails a
// check below). The controller keeps accepting the certificate it renewed from until the new one
// is first used on a Connect (or the old one expires), so the agent simply keeps its current
// certificate and renews again at the next check; that renewal replaces the one it never got.

export interface RenewedCertificate {
  certificatePem: string;
  caCertificatePem: string;
}

export type RenewCall = (csrPem: string) => Promise<RenewedCertificate>;

/** Whether the certificate in `stateDir` is due for renewal at `now`. */
export async function renewalDue(stateDir: string, now: Date): Promise<boolean> {
  const { certificatePem } = await loadCredentials(stateDir);
  return renewalTime(certificateInfo(certificatePem)) <= now;
}

/** Renews and stores the certificate; throws, leaving the old one in place, when the answer does not fit. */
export async function renewCertificate(stateDir: string, hostId: string, renew: RenewCall): Promise<Date> {
  const current = await loadCredentials(stateDir);
  const answer = await renew(await createCsrForKey(current.privateKeyPem, hostId));
  const cert = new X509Certificate(answer.certificatePem);
  // Never replace a working certificate with one that cannot work.
  if (!cert.checkPrivateKey(createPrivateKey(current.privateKeyPem))) throw new Error('renewed certificate does not match the agent key');
  if (!cert.verify(new X509Certificate(answer.caCertificatePem).publicKey)) throw new Error('renewed certificate is not signed by the returned CA');
  const info = certificateInfo(answer.certificatePem);
  if (info.notAfter <= new Date()) throw new Error('renewed certificate is already expired');
  await saveRenewedCertificate(stateDir, answer.certificatePem, answer.caCertificatePem);
  return info.notAfter;
}

import { experimental } from '@grpc/grpc-js';
import type { KeyPairPem } from '../pki/certificate-authority';

/**
 * grpc-js's certificate-provider credentials are the only server credentials that can ask for a
 * client certificate without requiring one (createSsl either requires it or never asks), which
 * Enroll needs. Our certificates live in memory, so the provider hands out fixed values.
 * Listeners are called on the next tick, as a real provider would: grpc-js registers the server's
 * own watcher only after adding them, and a synchronous answer would never reach it.
 */
export function staticCertificateProvider(caCertificatePem: string, identity: KeyPairPem): experimental.CertificateProvider {
  const ca = { caCertificate: Buffer.from(caCertificatePem) };
  const id = { certificate: Buffer.from(identity.certificatePem), privateKey: Buffer.from(identity.privateKeyPem) };
  return {
    addCaCertificateListener: (listener) => queueMicrotask(() => listener(ca)),
    removeCaCertificateListener: () => undefined,
    addIdentityCertificateListener: (listener) => queueMicrotask(() => listener(id)),
    removeIdentityCertificateListener: () => undefined,
  };
}

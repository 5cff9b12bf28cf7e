import { X509Certificate, createPrivateKey } from 'node:crypto';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { splitEnrollmentToken } from '@wgfleet/domain';
import type { EnrollRequest, EnrollResponse__Output } from '@wgfleet/proto';
import { DEFAULT_STATE_DIR, parseHostPort, saveAgentConfig } from '../config/agent-config';
import { fetchPinnedCaCertificate } from '../enroll/controller-trust';
import { ProcessCommandRunner } from '../exec/command-runner';
import { saveCredentials } from '../identity/credential-files';
import { certificateFingerprint, certificateInfo, generateIdentity } from '../identity/identity';
import { callUnary, createAgentClient } from '../link/agent-client';
import type { Logger } from '../log/logger';
import { collectFacts } from '../sync/facts';
import { UsageError, type EnrollArgs } from './args';

// `wgfleet-agent enroll`: make a key on this host, have the controller's CA certify it (with the
// one-time token), and write everything `run` needs. The token is sent only to a controller that
// proved it holds the pinned CA; it is never logged or written anywhere.

export interface EnrollResult {
  hostId: string;
  notAfter: Date;
}

export async function enrollCommand(args: EnrollArgs, log: Logger): Promise<EnrollResult> {
  const stateDir = resolve(args.stateDir ?? DEFAULT_STATE_DIR);
  // The token as POST /hosts returns it: "<secret>.<CA fingerprint>". Only the secret is sent.
  const { token, caFingerprint } = splitEnrollmentToken(args.token);
  const pin = args.caFingerprint ?? caFingerprint;
  if (!pin) throw new UsageError('this token carries no CA fingerprint: pass --ca-fingerprint (the SHA-256 of the controller CA certificate)');
  const { host, port } = parseHostPort(args.controller);
  const caPem = await fetchPinnedCaCertificate(host, port, pin);
  log.info('controller CA verified against the pin', { controller: args.controller, fingerprint: pin });

  const facts = await collectFacts(new ProcessCommandRunner({ netns: args.netns ?? undefined }));
  const identity = await generateIdentity(facts.hostname);
  const client = createAgentClient(args.controller, grpc.credentials.createSsl(Buffer.from(caPem)));
  let res: EnrollResponse__Output;
  try {
    res = await callUnary<EnrollRequest, EnrollResponse__Output>((req, opts, cb) => client.enroll(req, opts, cb), {
      token,
      csrPem: identity.csrPem,
      facts,
    });
  } finally {
    client.close();
  }
  checkEnrollResponse(res, identity.privateKeyPem, pin);

  await saveCredentials(stateDir, { privateKeyPem: identity.privateKeyPem, certificatePem: res.certificatePem, caCertificatePem: res.caCertificatePem });
  // Last: a config file means "enrolled, ready to run".
  await saveAgentConfig(args.configPath, { controller: args.controller, hostId: res.hostId, stateDir, netns: args.netns });
  const notAfter = certificateInfo(res.certificatePem).notAfter;
  log.info('enrolled', { hostId: res.hostId, config: args.configPath, stateDir, certificateNotAfter: notAfter.toISOString() });
  return { hostId: res.hostId, notAfter };
}

/** Refuses an answer that would leave the agent unable to connect, before anything is written. */
function checkEnrollResponse(res: EnrollResponse__Output, privateKeyPem: string, pin: string): void {
  if (!res.hostId) throw new Error('the controller returned no host id');
  const ca = new X509Certificate(res.caCertificatePem);
  if (certificateFingerprint(ca.raw) !== pin) throw new Error('the controller returned a CA certificate other than the pinned one');
  const cert = new X509Certificate(res.certificatePem);
  if (!cert.checkPrivateKey(createPrivateKey(privateKeyPem))) throw new Error('the returned certificate is not for our key');
  if (!cert.verify(ca.publicKey)) throw new Error('the returned certificate is not signed by the CA');
}

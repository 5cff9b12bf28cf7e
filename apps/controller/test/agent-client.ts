// A minimal agent for the controller's agent-sync suite: real key pairs and CSRs, real gRPC over
// TLS to the test app's endpoint, with the same loader, channel options and codec as the agent.
import * as grpc from '@grpc/grpc-js';
import * as x509 from '@peculiar/x509';
import { AGENT_CHANNEL_OPTIONS, loadAgentProto, type AgentMessage, type AgentServiceClient, type ControllerMessage__Output } from '@wgfleet/proto';
import { createHash, webcrypto } from 'node:crypto';
import { connect as tlsConnect, type DetailedPeerCertificate } from 'node:tls';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const proto = loadAgentProto();

export interface Identity {
  keyPem: string;
  csrPem: string;
}

export async function newIdentity(commonName = 'agent'): Promise<Identity> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${commonName}`, keys, signingAlgorithm: ALGORITHM }, webcrypto);
  return { keyPem: await pkcs8Pem(keys.privateKey), csrPem: csr.toString('pem') };
}

/** A certificate for `hostId` that our CA never issued (self-signed, same naming). */
export async function selfSignedHostCertificate(hostId: string): Promise<{ keyPem: string; certPem: string }> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    { name: `CN=${hostId}`, keys, signingAlgorithm: ALGORITHM, extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `urn:wgfleet:host:${hostId}` }])] },
    webcrypto,
  );
  return { keyPem: await pkcs8Pem(keys.privateKey), certPem: cert.toString('pem') };
}

/**
 * What `wgfleet-agent enroll` does before sending its token: read the chain the server presents
 * (without trusting it), and take the certificate whose SHA-256 is the token's pin as the CA.
 */
export async function pinnedCa(port: number, token: string): Promise<string> {
  const pin = /\.([0-9a-f]{64})$/.exec(token)?.[1];
  if (!pin) throw new Error('the enrollment token carries no CA fingerprint');
  const chain = await new Promise<DetailedPeerCertificate>((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2'] });
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      resolve(socket.getPeerCertificate(true));
      socket.destroy();
    });
  });
  for (let c: DetailedPeerCertificate | undefined = chain, n = 0; c?.raw && n < 5; c = c.issuerCertificate, n++) {
    if (createHash('sha256').update(c.raw).digest('hex') === pin) return new x509.X509Certificate(c.raw).toString('pem');
  }
  throw new Error('the server presented no certificate matching the pin');
}

export function client(port: number, caPem: string, identity?: { keyPem: string; certPem: string }, options: grpc.ChannelOptions = {}): AgentServiceClient {
  const credentials = grpc.credentials.createSsl(Buffer.from(caPem), identity ? Buffer.from(identity.keyPem) : null, identity ? Buffer.from(identity.certPem) : null);
  return new proto.AgentService(`127.0.0.1:${port}`, credentials, { ...AGENT_CHANNEL_OPTIONS, ...options });
}

export function unary<Req, Res>(call: (req: Req, callback: grpc.requestCallback<Res>) => unknown, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => call(req, (e, res) => (e || !res ? reject(e ?? new Error('no response')) : resolve(res))));
}

/** A Connect stream whose incoming messages can be awaited one by one. */
export class AgentStream {
  private readonly queue: ControllerMessage__Output[] = [];
  private waiter: (() => void) | null = null;
  private ended: grpc.ServiceError | Error | null = null;
  private readonly call: grpc.ClientDuplexStream<AgentMessage, ControllerMessage__Output>;

  constructor(c: AgentServiceClient) {
    this.call = c.connect();
    this.call.on('data', (m: ControllerMessage__Output) => {
      this.queue.push(m);
      this.waiter?.();
    });
    this.call.on('error', (e: grpc.ServiceError) => {
      this.ended = e;
      this.waiter?.();
    });
    this.call.on('end', () => {
      this.ended ??= new Error('stream ended');
      this.waiter?.();
    });
  }

  send(message: AgentMessage): void {
    this.call.write(message);
  }

  /** The next message of kind `body` (others are skipped); rejects on timeout or stream end. */
  async next<K extends NonNullable<ControllerMessage__Output['body']>>(body: K, timeoutMs = 5_000): Promise<NonNullable<ControllerMessage__Output[K]>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.queue.findIndex((m) => m.body === body);
      if (i >= 0) return this.queue.splice(i, 1)[0]![body] as NonNullable<ControllerMessage__Output[K]>;
      if (this.ended) throw this.ended;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${body} message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  /** Messages of kind `body` received so far and not consumed. */
  pending(body: NonNullable<ControllerMessage__Output['body']>): number {
    return this.queue.filter((m) => m.body === body).length;
  }

  /** The status the stream ended with (waits up to `timeoutMs`). */
  async closed(timeoutMs = 5_000): Promise<grpc.ServiceError | Error> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!this.ended) throw new Error('the stream is still open');
    return this.ended;
  }

  end(): void {
    this.call.end();
  }

  /** Cancels the call (what an agent does when it stops or gives up on a stream). */
  cancel(): void {
    this.call.cancel();
  }
}

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`;
}

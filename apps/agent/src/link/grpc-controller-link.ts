import * as grpc from '@grpc/grpc-js';
import type { AgentMessage, AgentServiceClient, ControllerMessage__Output, RenewRequest, RenewResponse__Output } from '@wgfleet/proto';
import { loadCredentials } from '../identity/credential-files';
import type { Logger } from '../log/logger';
import type { RenewedCertificate } from '../sync/certificate-renewal';
import type { AgentEvent, ControllerEvent, ControllerLink, ControllerStream } from '../sync/controller-link';
import { callUnary, createAgentClient } from './agent-client';
import { agentEventToProto, controllerEventFromProto, IgnoredControllerMessages } from './message-mapping';

// The controller over mTLS gRPC. Every connect() reads the key and certificates from disk and
// opens a fresh channel, so a renewed certificate (or CA) takes effect at the next reconnect.

export class GrpcControllerLink implements ControllerLink {
  private client: AgentServiceClient | null = null;
  /** Shared by every stream of this link, so an ignored kind is logged once per process, not per reconnect. */
  private readonly ignored: IgnoredControllerMessages;

  constructor(
    private readonly address: string,
    private readonly stateDir: string,
    log: Logger,
  ) {
    this.ignored = new IgnoredControllerMessages(log);
  }

  async connect(): Promise<ControllerStream> {
    const client = await this.freshClient();
    return new GrpcControllerStream(client.connect(), this.ignored);
  }

  async renew(csrPem: string): Promise<RenewedCertificate> {
    const client = this.client ?? (await this.freshClient());
    const res = await callUnary<RenewRequest, RenewResponse__Output>((req, opts, cb) => client.renew(req, opts, cb), { csrPem });
    return { certificatePem: res.certificatePem, caCertificatePem: res.caCertificatePem };
  }

  close(): void {
    this.client?.close();
    this.client = null;
  }

  private async freshClient(): Promise<AgentServiceClient> {
    const c = await loadCredentials(this.stateDir);
    const credentials = grpc.credentials.createSsl(Buffer.from(c.caCertificatePem), Buffer.from(c.privateKeyPem), Buffer.from(c.certificatePem));
    this.close();
    this.client = createAgentClient(this.address, credentials);
    return this.client;
  }
}

class GrpcControllerStream implements ControllerStream {
  readonly opened: Promise<void>;

  constructor(
    private readonly call: grpc.ClientDuplexStream<AgentMessage, ControllerMessage__Output>,
    private readonly ignored: IgnoredControllerMessages,
  ) {
    // Errors surface through the async iterator; this keeps an 'error' without a reader from
    // becoming an uncaught exception.
    call.on('error', () => undefined);
    // Response headers: the controller authenticated us and accepted the stream (they precede
    // any message, and an idle, up-to-date host may get no message for a while).
    this.opened = new Promise((resolve) => call.once('metadata', () => resolve()));
  }

  get events(): AsyncIterable<ControllerEvent> {
    return this.iterate();
  }

  send(event: AgentEvent): void {
    this.call.write(agentEventToProto(event));
  }

  close(): void {
    this.call.cancel();
  }

  private async *iterate(): AsyncGenerator<ControllerEvent> {
    try {
      for await (const message of this.call as AsyncIterable<ControllerMessage__Output>) {
        const event = controllerEventFromProto(message, this.ignored.note);
        if (event) yield event;
      }
    } catch (e) {
      // Our own close() cancels the call: that is an end, not a failure.
      if ((e as { code?: number }).code === grpc.status.CANCELLED) return;
      throw e;
    }
  }
}

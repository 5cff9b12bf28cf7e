import { Injectable } from '@nestjs/common';
import { PubSubService } from '../../infra/pubsub.service';

const REVOKED = 'host-certificate-revoked';

/**
 * "Some certificate of host H is no longer accepted" between replicas: the host enrolled again,
 * retired its pre-renewal certificate, or was deleted. Every replica then re-checks the streams
 * it holds for H and ends those whose certificate no longer passes. Publish after the commit.
 */
@Injectable()
export class HostRevocationsService {
  constructor(private readonly pubsub: PubSubService) {}

  publish(hostId: string): void {
    this.pubsub.publish(REVOKED, hostId);
  }

  /** Calls `listener(hostId)` for every revocation any replica published; returns the unsubscribe function. */
  subscribe(listener: (hostId: string) => void): () => void {
    return this.pubsub.subscribe(REVOKED, listener);
  }
}

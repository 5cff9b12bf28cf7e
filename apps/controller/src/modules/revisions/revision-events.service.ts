import { Injectable } from '@nestjs/common';
import { PubSubService } from '../../infra/pubsub.service';

export interface RevisionEvent {
  hostId: string;
  revision: number;
}

type Listener = (event: RevisionEvent) => void;

const DESIRED = 'host-desired';
const APPLIED = 'host-applied';

/**
 * "Host H must now run revision N" (whichever replica holds H's agent stream pushes it) and "host
 * H applied revision N" (whichever replica holds a waiting request answers it).
 */
@Injectable()
export class RevisionEventsService {
  constructor(private readonly pubsub: PubSubService) {}

  publishDesired(hostId: string, revision: number): void {
    this.pubsub.publish(DESIRED, JSON.stringify({ hostId, revision }));
  }

  publishApplied(hostId: string, revision: number): void {
    this.pubsub.publish(APPLIED, JSON.stringify({ hostId, revision }));
  }

  onDesired(listener: Listener): () => void {
    return this.pubsub.subscribe(DESIRED, (m) => dispatch(m, listener));
  }

  onApplied(listener: Listener): () => void {
    return this.pubsub.subscribe(APPLIED, (m) => dispatch(m, listener));
  }
}

function dispatch(message: string, listener: Listener): void {
  let event: RevisionEvent;
  try {
    event = JSON.parse(message) as RevisionEvent;
  } catch {
    return;
  }
  listener(event);
}

import type { HostDesiredState } from '@wgfleet/domain';
import type { RenewedCertificate } from './certificate-renewal';
import type { HostFacts } from './facts';
import type { PeerFigures } from './peer-stats';
import type { ApplyOutcome } from './state-applier';

// The sync loop's view of the controller, in domain terms. The gRPC implementation
// (grpc-controller-link.ts) translates to and from the protocol; the loop never sees protobuf.

/** What the controller sends on the Connect stream. */
export type ControllerEvent =
  | { kind: 'snapshot'; state: HostDesiredState }
  /** A delta from `fromRevision`; `applyTo` builds the next state from the one at `fromRevision`. */
  | { kind: 'delta'; fromRevision: number; toRevision: number; applyTo: (base: HostDesiredState) => HostDesiredState }
  | { kind: 'keepalive' }
  | { kind: 'reportRequest' };

/** What the agent sends on the Connect stream. */
export type AgentEvent =
  | { kind: 'hello'; appliedRevision: number; facts: HostFacts }
  | { kind: 'applyResult'; result: ApplyOutcome }
  | { kind: 'stats'; revision: number; peers: PeerFigures[] }
  | { kind: 'dataplane'; revision: number; reportJson: string }
  | { kind: 'drift'; revision: number; findings: string[]; repaired: boolean }
  | { kind: 'keepalive'; sentAtUnixMs: number };

/** One Connect stream. */
export interface ControllerStream {
  /** Resolves when the controller accepted the stream (its response headers arrived); never rejects. */
  readonly opened: Promise<void>;
  /** The controller's messages; ends when the stream ends, throws when it fails. */
  readonly events: AsyncIterable<ControllerEvent>;
  send(event: AgentEvent): void;
  /** Ends the stream from our side (shutdown, liveness timeout, protocol desync). */
  close(): void;
}

export interface ControllerLink {
  /** Opens a Connect stream with the identity currently on disk (so a renewed certificate is picked up). */
  connect(): Promise<ControllerStream>;
  renew(csrPem: string): Promise<RenewedCertificate>;
  /** Releases the channel. */
  close(): void;
}

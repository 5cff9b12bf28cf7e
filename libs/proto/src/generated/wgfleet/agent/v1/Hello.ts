// Original file: proto/wgfleet/agent/v1/messages.proto

import type { HostFacts as _wgfleet_agent_v1_HostFacts, HostFacts__Output as _wgfleet_agent_v1_HostFacts__Output } from '../../../wgfleet/agent/v1/HostFacts';
import type { Long } from '@grpc/proto-loader';

export interface Hello {
  /**
   * Revision of the desired state the agent holds (applied, or being retried after a failed
   * apply): deltas are built on top of it. 0: none, send a snapshot.
   */
  'appliedRevision'?: (number | string | Long);
  'facts'?: (_wgfleet_agent_v1_HostFacts | null);
}

export interface Hello__Output {
  /**
   * Revision of the desired state the agent holds (applied, or being retried after a failed
   * apply): deltas are built on top of it. 0: none, send a snapshot.
   */
  'appliedRevision': (number);
  'facts': (_wgfleet_agent_v1_HostFacts__Output | null);
}

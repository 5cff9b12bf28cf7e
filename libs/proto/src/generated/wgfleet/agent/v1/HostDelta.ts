// Original file: proto/wgfleet/agent/v1/messages.proto

import type { InterfaceDelta as _wgfleet_agent_v1_InterfaceDelta, InterfaceDelta__Output as _wgfleet_agent_v1_InterfaceDelta__Output } from '../../../wgfleet/agent/v1/InterfaceDelta';
import type { Long } from '@grpc/proto-loader';

/**
 * The change from `from_revision` to `to_revision`. `from_revision` is the state the agent holds:
 * the one it announced in Hello, then the last one this stream sent (whether or not its apply
 * succeeded). Removals go first, then upserts (applyHostDelta in @wgfleet/domain does this).
 */
export interface HostDelta {
  'fromRevision'?: (number | string | Long);
  'toRevision'?: (number | string | Long);
  /**
   * always the value at to_revision; empty: none
   */
  'publicAddress'?: (string);
  'interfaces'?: (_wgfleet_agent_v1_InterfaceDelta)[];
  /**
   * with their peers and port forwards
   */
  'removedInterfaceIds'?: (string)[];
  /**
   * with the port forwards to their address
   */
  'removedPeerIds'?: (string)[];
  'removedPortForwardIds'?: (string)[];
}

/**
 * The change from `from_revision` to `to_revision`. `from_revision` is the state the agent holds:
 * the one it announced in Hello, then the last one this stream sent (whether or not its apply
 * succeeded). Removals go first, then upserts (applyHostDelta in @wgfleet/domain does this).
 */
export interface HostDelta__Output {
  'fromRevision': (number);
  'toRevision': (number);
  /**
   * always the value at to_revision; empty: none
   */
  'publicAddress': (string);
  'interfaces': (_wgfleet_agent_v1_InterfaceDelta__Output)[];
  /**
   * with their peers and port forwards
   */
  'removedInterfaceIds': (string)[];
  /**
   * with the port forwards to their address
   */
  'removedPeerIds': (string)[];
  'removedPortForwardIds': (string)[];
}

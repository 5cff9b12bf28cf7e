// Original file: proto/wgfleet/agent/v1/messages.proto

import type { InterfaceSettings as _wgfleet_agent_v1_InterfaceSettings, InterfaceSettings__Output as _wgfleet_agent_v1_InterfaceSettings__Output } from '../../../wgfleet/agent/v1/InterfaceSettings';
import type { Peer as _wgfleet_agent_v1_Peer, Peer__Output as _wgfleet_agent_v1_Peer__Output } from '../../../wgfleet/agent/v1/Peer';
import type { PortForward as _wgfleet_agent_v1_PortForward, PortForward__Output as _wgfleet_agent_v1_PortForward__Output } from '../../../wgfleet/agent/v1/PortForward';

/**
 * What changed in one interface between two revisions; a one-peer change carries one peer.
 */
export interface InterfaceDelta {
  'interfaceId'?: (string);
  /**
   * Present when the interface is new or its settings changed. Then upserted_peers and
   * upserted_port_forwards are the interface's complete lists and replace what the agent has:
   * settings such as the default bandwidth change the effective values of many peers at once.
   */
  'settings'?: (_wgfleet_agent_v1_InterfaceSettings | null);
  /**
   * added or changed; matched by id
   */
  'upsertedPeers'?: (_wgfleet_agent_v1_Peer)[];
  'upsertedPortForwards'?: (_wgfleet_agent_v1_PortForward)[];
}

/**
 * What changed in one interface between two revisions; a one-peer change carries one peer.
 */
export interface InterfaceDelta__Output {
  'interfaceId': (string);
  /**
   * Present when the interface is new or its settings changed. Then upserted_peers and
   * upserted_port_forwards are the interface's complete lists and replace what the agent has:
   * settings such as the default bandwidth change the effective values of many peers at once.
   */
  'settings': (_wgfleet_agent_v1_InterfaceSettings__Output | null);
  /**
   * added or changed; matched by id
   */
  'upsertedPeers': (_wgfleet_agent_v1_Peer__Output)[];
  'upsertedPortForwards': (_wgfleet_agent_v1_PortForward__Output)[];
}

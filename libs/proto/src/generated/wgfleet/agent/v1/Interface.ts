// Original file: proto/wgfleet/agent/v1/messages.proto

import type { InterfaceSettings as _wgfleet_agent_v1_InterfaceSettings, InterfaceSettings__Output as _wgfleet_agent_v1_InterfaceSettings__Output } from '../../../wgfleet/agent/v1/InterfaceSettings';
import type { Peer as _wgfleet_agent_v1_Peer, Peer__Output as _wgfleet_agent_v1_Peer__Output } from '../../../wgfleet/agent/v1/Peer';
import type { PortForward as _wgfleet_agent_v1_PortForward, PortForward__Output as _wgfleet_agent_v1_PortForward__Output } from '../../../wgfleet/agent/v1/PortForward';

export interface Interface {
  'settings'?: (_wgfleet_agent_v1_InterfaceSettings | null);
  'peers'?: (_wgfleet_agent_v1_Peer)[];
  'portForwards'?: (_wgfleet_agent_v1_PortForward)[];
}

export interface Interface__Output {
  'settings': (_wgfleet_agent_v1_InterfaceSettings__Output | null);
  'peers': (_wgfleet_agent_v1_Peer__Output)[];
  'portForwards': (_wgfleet_agent_v1_PortForward__Output)[];
}

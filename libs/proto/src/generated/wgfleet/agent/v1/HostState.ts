// Original file: proto/wgfleet/agent/v1/messages.proto

import type { Interface as _wgfleet_agent_v1_Interface, Interface__Output as _wgfleet_agent_v1_Interface__Output } from '../../../wgfleet/agent/v1/Interface';
import type { Long } from '@grpc/proto-loader';

/**
 * Everything a host must run at one revision: sent on (re)connect when no delta can be built.
 */
export interface HostState {
  'hostId'?: (string);
  'revision'?: (number | string | Long);
  /**
   * empty: none
   */
  'publicAddress'?: (string);
  'interfaces'?: (_wgfleet_agent_v1_Interface)[];
}

/**
 * Everything a host must run at one revision: sent on (re)connect when no delta can be built.
 */
export interface HostState__Output {
  'hostId': (string);
  'revision': (number);
  /**
   * empty: none
   */
  'publicAddress': (string);
  'interfaces': (_wgfleet_agent_v1_Interface__Output)[];
}

// Original file: proto/wgfleet/agent/v1/messages.proto

import type { Bandwidth as _wgfleet_agent_v1_Bandwidth, Bandwidth__Output as _wgfleet_agent_v1_Bandwidth__Output } from '../../../wgfleet/agent/v1/Bandwidth';

export interface Peer {
  'id'?: (string);
  'publicKey'?: (string);
  /**
   * empty: none
   */
  'presharedKey'?: (string);
  /**
   * tunnel address without prefix
   */
  'address'?: (string);
  /**
   * `${address}/32` first, then extra networks
   */
  'allowedIps'?: (string)[];
  /**
   * false: suspended, passes no traffic
   */
  'enabled'?: (boolean);
  /**
   * effective limits, interface default already resolved
   */
  'bandwidth'?: (_wgfleet_agent_v1_Bandwidth | null);
  /**
   * stable per-interface id for tc classes and marks
   */
  'shapingId'?: (number);
}

export interface Peer__Output {
  'id': (string);
  'publicKey': (string);
  /**
   * empty: none
   */
  'presharedKey': (string);
  /**
   * tunnel address without prefix
   */
  'address': (string);
  /**
   * `${address}/32` first, then extra networks
   */
  'allowedIps': (string)[];
  /**
   * false: suspended, passes no traffic
   */
  'enabled': (boolean);
  /**
   * effective limits, interface default already resolved
   */
  'bandwidth': (_wgfleet_agent_v1_Bandwidth__Output | null);
  /**
   * stable per-interface id for tc classes and marks
   */
  'shapingId': (number);
}

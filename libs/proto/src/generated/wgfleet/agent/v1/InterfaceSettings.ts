// Original file: proto/wgfleet/agent/v1/messages.proto

import type { Bandwidth as _wgfleet_agent_v1_Bandwidth, Bandwidth__Output as _wgfleet_agent_v1_Bandwidth__Output } from '../../../wgfleet/agent/v1/Bandwidth';

/**
 * An interface without its peers and port forwards.
 */
export interface InterfaceSettings {
  'id'?: (string);
  /**
   * kernel name, e.g. "wg0"
   */
  'name'?: (string);
  /**
   * with prefix, e.g. "100.64.0.1/24"
   */
  'address'?: (string);
  'listenPort'?: (number);
  'privateKey'?: (string);
  /**
   * 0: the default
   */
  'mtu'?: (number);
  'natEnabled'?: (boolean);
  /**
   * empty: the host's public address
   */
  'snatAddress'?: (string);
  /**
   * peers of this interface may reach each other
   */
  'internalTraffic'?: (boolean);
  'defaultBandwidth'?: (_wgfleet_agent_v1_Bandwidth | null);
}

/**
 * An interface without its peers and port forwards.
 */
export interface InterfaceSettings__Output {
  'id': (string);
  /**
   * kernel name, e.g. "wg0"
   */
  'name': (string);
  /**
   * with prefix, e.g. "100.64.0.1/24"
   */
  'address': (string);
  'listenPort': (number);
  'privateKey': (string);
  /**
   * 0: the default
   */
  'mtu': (number);
  'natEnabled': (boolean);
  /**
   * empty: the host's public address
   */
  'snatAddress': (string);
  /**
   * peers of this interface may reach each other
   */
  'internalTraffic': (boolean);
  'defaultBandwidth': (_wgfleet_agent_v1_Bandwidth__Output | null);
}

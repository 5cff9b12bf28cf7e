// Original file: proto/wgfleet/agent/v1/messages.proto


export interface PortForward {
  'id'?: (string);
  /**
   * "tcp" | "udp"
   */
  'protocol'?: (string);
  /**
   * public port on the host
   */
  'port'?: (number);
  'peerAddress'?: (string);
  'targetPort'?: (number);
}

export interface PortForward__Output {
  'id': (string);
  /**
   * "tcp" | "udp"
   */
  'protocol': (string);
  /**
   * public port on the host
   */
  'port': (number);
  'peerAddress': (string);
  'targetPort': (number);
}

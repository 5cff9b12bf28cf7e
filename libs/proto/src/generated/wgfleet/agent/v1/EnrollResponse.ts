// Original file: proto/wgfleet/agent/v1/messages.proto


export interface EnrollResponse {
  'hostId'?: (string);
  /**
   * client certificate bound to host_id
   */
  'certificatePem'?: (string);
  /**
   * the controller's CA: trust anchor for the stream
   */
  'caCertificatePem'?: (string);
}

export interface EnrollResponse__Output {
  'hostId': (string);
  /**
   * client certificate bound to host_id
   */
  'certificatePem': (string);
  /**
   * the controller's CA: trust anchor for the stream
   */
  'caCertificatePem': (string);
}

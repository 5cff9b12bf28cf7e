// Original file: proto/wgfleet/agent/v1/messages.proto


export interface RenewResponse {
  'certificatePem'?: (string);
  'caCertificatePem'?: (string);
}

export interface RenewResponse__Output {
  'certificatePem': (string);
  'caCertificatePem': (string);
}

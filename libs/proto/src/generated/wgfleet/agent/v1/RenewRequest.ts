// Original file: proto/wgfleet/agent/v1/messages.proto


export interface RenewRequest {
  'csrPem'?: (string);
}

export interface RenewRequest__Output {
  'csrPem': (string);
}

// Original file: proto/wgfleet/agent/v1/messages.proto


export interface DriverTiming {
  'driver'?: (string);
  'ms'?: (number | string);
}

export interface DriverTiming__Output {
  'driver': (string);
  'ms': (number);
}

// Original file: proto/wgfleet/agent/v1/messages.proto

import type { Long } from '@grpc/proto-loader';

export interface Keepalive {
  'sentAtUnixMs'?: (number | string | Long);
}

export interface Keepalive__Output {
  'sentAtUnixMs': (number);
}

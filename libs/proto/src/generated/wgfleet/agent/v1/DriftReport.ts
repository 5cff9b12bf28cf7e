// Original file: proto/wgfleet/agent/v1/messages.proto

import type { Long } from '@grpc/proto-loader';

export interface DriftReport {
  'revision'?: (number | string | Long);
  'findings'?: (string)[];
  'repaired'?: (boolean);
}

export interface DriftReport__Output {
  'revision': (number);
  'findings': (string)[];
  'repaired': (boolean);
}

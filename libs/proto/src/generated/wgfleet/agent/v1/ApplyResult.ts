// Original file: proto/wgfleet/agent/v1/messages.proto

import type { DriverTiming as _wgfleet_agent_v1_DriverTiming, DriverTiming__Output as _wgfleet_agent_v1_DriverTiming__Output } from '../../../wgfleet/agent/v1/DriverTiming';
import type { Long } from '@grpc/proto-loader';

export interface ApplyResult {
  'revision'?: (number | string | Long);
  'ok'?: (boolean);
  /**
   * empty when ok
   */
  'error'?: (string);
  'durationMs'?: (number | string);
  /**
   * "full" | "incremental" | "noop"
   */
  'mode'?: (string);
  'timings'?: (_wgfleet_agent_v1_DriverTiming)[];
}

export interface ApplyResult__Output {
  'revision': (number);
  'ok': (boolean);
  /**
   * empty when ok
   */
  'error': (string);
  'durationMs': (number);
  /**
   * "full" | "incremental" | "noop"
   */
  'mode': (string);
  'timings': (_wgfleet_agent_v1_DriverTiming__Output)[];
}

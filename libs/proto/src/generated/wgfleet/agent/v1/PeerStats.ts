// Original file: proto/wgfleet/agent/v1/messages.proto

import type { Long } from '@grpc/proto-loader';

export interface PeerStats {
  'peerId'?: (string);
  /**
   * WireGuard's counters since the interface came up
   */
  'rxBytes'?: (number | string | Long);
  'txBytes'?: (number | string | Long);
  /**
   * 0: never
   */
  'latestHandshakeUnix'?: (number | string | Long);
  'endpoint'?: (string);
}

export interface PeerStats__Output {
  'peerId': (string);
  /**
   * WireGuard's counters since the interface came up
   */
  'rxBytes': (number);
  'txBytes': (number);
  /**
   * 0: never
   */
  'latestHandshakeUnix': (number);
  'endpoint': (string);
}

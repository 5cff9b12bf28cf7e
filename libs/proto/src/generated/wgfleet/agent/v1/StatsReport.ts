// Original file: proto/wgfleet/agent/v1/messages.proto

import type { PeerStats as _wgfleet_agent_v1_PeerStats, PeerStats__Output as _wgfleet_agent_v1_PeerStats__Output } from '../../../wgfleet/agent/v1/PeerStats';
import type { Long } from '@grpc/proto-loader';

export interface StatsReport {
  'revision'?: (number | string | Long);
  /**
   * only peers whose figures changed since the last report
   */
  'peers'?: (_wgfleet_agent_v1_PeerStats)[];
}

export interface StatsReport__Output {
  'revision': (number);
  /**
   * only peers whose figures changed since the last report
   */
  'peers': (_wgfleet_agent_v1_PeerStats__Output)[];
}

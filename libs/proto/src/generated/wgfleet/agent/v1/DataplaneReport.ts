// Original file: proto/wgfleet/agent/v1/messages.proto

import type { Long } from '@grpc/proto-loader';

/**
 * What the host really runs (WireGuard dump, nftables rules with counters, tc classes with
 * statistics), for display through the API. JSON of the agent's report type, not parsed for logic.
 */
export interface DataplaneReport {
  'revision'?: (number | string | Long);
  'reportJson'?: (string);
}

/**
 * What the host really runs (WireGuard dump, nftables rules with counters, tc classes with
 * statistics), for display through the API. JSON of the agent's report type, not parsed for logic.
 */
export interface DataplaneReport__Output {
  'revision': (number);
  'reportJson': (string);
}

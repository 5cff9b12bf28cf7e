// Original file: proto/wgfleet/agent/v1/messages.proto

import type { HostState as _wgfleet_agent_v1_HostState, HostState__Output as _wgfleet_agent_v1_HostState__Output } from '../../../wgfleet/agent/v1/HostState';
import type { HostDelta as _wgfleet_agent_v1_HostDelta, HostDelta__Output as _wgfleet_agent_v1_HostDelta__Output } from '../../../wgfleet/agent/v1/HostDelta';
import type { Keepalive as _wgfleet_agent_v1_Keepalive, Keepalive__Output as _wgfleet_agent_v1_Keepalive__Output } from '../../../wgfleet/agent/v1/Keepalive';
import type { ReportRequest as _wgfleet_agent_v1_ReportRequest, ReportRequest__Output as _wgfleet_agent_v1_ReportRequest__Output } from '../../../wgfleet/agent/v1/ReportRequest';

export interface ControllerMessage {
  'snapshot'?: (_wgfleet_agent_v1_HostState | null);
  'delta'?: (_wgfleet_agent_v1_HostDelta | null);
  'keepalive'?: (_wgfleet_agent_v1_Keepalive | null);
  /**
   * send a DataplaneReport now
   */
  'reportRequest'?: (_wgfleet_agent_v1_ReportRequest | null);
  'body'?: "snapshot"|"delta"|"keepalive"|"reportRequest";
}

export interface ControllerMessage__Output {
  'snapshot'?: (_wgfleet_agent_v1_HostState__Output | null);
  'delta'?: (_wgfleet_agent_v1_HostDelta__Output | null);
  'keepalive'?: (_wgfleet_agent_v1_Keepalive__Output | null);
  /**
   * send a DataplaneReport now
   */
  'reportRequest'?: (_wgfleet_agent_v1_ReportRequest__Output | null);
  'body'?: "snapshot"|"delta"|"keepalive"|"reportRequest";
}

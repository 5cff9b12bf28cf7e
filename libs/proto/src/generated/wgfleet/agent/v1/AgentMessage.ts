// Original file: proto/wgfleet/agent/v1/messages.proto

import type { Hello as _wgfleet_agent_v1_Hello, Hello__Output as _wgfleet_agent_v1_Hello__Output } from '../../../wgfleet/agent/v1/Hello';
import type { ApplyResult as _wgfleet_agent_v1_ApplyResult, ApplyResult__Output as _wgfleet_agent_v1_ApplyResult__Output } from '../../../wgfleet/agent/v1/ApplyResult';
import type { StatsReport as _wgfleet_agent_v1_StatsReport, StatsReport__Output as _wgfleet_agent_v1_StatsReport__Output } from '../../../wgfleet/agent/v1/StatsReport';
import type { DataplaneReport as _wgfleet_agent_v1_DataplaneReport, DataplaneReport__Output as _wgfleet_agent_v1_DataplaneReport__Output } from '../../../wgfleet/agent/v1/DataplaneReport';
import type { DriftReport as _wgfleet_agent_v1_DriftReport, DriftReport__Output as _wgfleet_agent_v1_DriftReport__Output } from '../../../wgfleet/agent/v1/DriftReport';
import type { Keepalive as _wgfleet_agent_v1_Keepalive, Keepalive__Output as _wgfleet_agent_v1_Keepalive__Output } from '../../../wgfleet/agent/v1/Keepalive';

export interface AgentMessage {
  'hello'?: (_wgfleet_agent_v1_Hello | null);
  'applyResult'?: (_wgfleet_agent_v1_ApplyResult | null);
  'stats'?: (_wgfleet_agent_v1_StatsReport | null);
  'dataplane'?: (_wgfleet_agent_v1_DataplaneReport | null);
  'drift'?: (_wgfleet_agent_v1_DriftReport | null);
  'keepalive'?: (_wgfleet_agent_v1_Keepalive | null);
  'body'?: "hello"|"applyResult"|"stats"|"dataplane"|"drift"|"keepalive";
}

export interface AgentMessage__Output {
  'hello'?: (_wgfleet_agent_v1_Hello__Output | null);
  'applyResult'?: (_wgfleet_agent_v1_ApplyResult__Output | null);
  'stats'?: (_wgfleet_agent_v1_StatsReport__Output | null);
  'dataplane'?: (_wgfleet_agent_v1_DataplaneReport__Output | null);
  'drift'?: (_wgfleet_agent_v1_DriftReport__Output | null);
  'keepalive'?: (_wgfleet_agent_v1_Keepalive__Output | null);
  'body'?: "hello"|"applyResult"|"stats"|"dataplane"|"drift"|"keepalive";
}

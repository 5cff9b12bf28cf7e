// Original file: proto/wgfleet/agent/v1/messages.proto

import type { HostFacts as _wgfleet_agent_v1_HostFacts, HostFacts__Output as _wgfleet_agent_v1_HostFacts__Output } from '../../../wgfleet/agent/v1/HostFacts';

export interface EnrollRequest {
  /**
   * the host's one-time enrollment token, with or without its ".<CA fingerprint>" pin
   */
  'token'?: (string);
  /**
   * PKCS#10 request for the agent's own key pair; the key never leaves the host
   */
  'csrPem'?: (string);
  'facts'?: (_wgfleet_agent_v1_HostFacts | null);
}

export interface EnrollRequest__Output {
  /**
   * the host's one-time enrollment token, with or without its ".<CA fingerprint>" pin
   */
  'token': (string);
  /**
   * PKCS#10 request for the agent's own key pair; the key never leaves the host
   */
  'csrPem': (string);
  'facts': (_wgfleet_agent_v1_HostFacts__Output | null);
}

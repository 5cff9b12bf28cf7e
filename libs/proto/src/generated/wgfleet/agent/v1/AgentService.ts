// Original file: proto/wgfleet/agent/v1/service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AgentMessage as _wgfleet_agent_v1_AgentMessage, AgentMessage__Output as _wgfleet_agent_v1_AgentMessage__Output } from '../../../wgfleet/agent/v1/AgentMessage';
import type { ControllerMessage as _wgfleet_agent_v1_ControllerMessage, ControllerMessage__Output as _wgfleet_agent_v1_ControllerMessage__Output } from '../../../wgfleet/agent/v1/ControllerMessage';
import type { EnrollRequest as _wgfleet_agent_v1_EnrollRequest, EnrollRequest__Output as _wgfleet_agent_v1_EnrollRequest__Output } from '../../../wgfleet/agent/v1/EnrollRequest';
import type { EnrollResponse as _wgfleet_agent_v1_EnrollResponse, EnrollResponse__Output as _wgfleet_agent_v1_EnrollResponse__Output } from '../../../wgfleet/agent/v1/EnrollResponse';
import type { RenewRequest as _wgfleet_agent_v1_RenewRequest, RenewRequest__Output as _wgfleet_agent_v1_RenewRequest__Output } from '../../../wgfleet/agent/v1/RenewRequest';
import type { RenewResponse as _wgfleet_agent_v1_RenewResponse, RenewResponse__Output as _wgfleet_agent_v1_RenewResponse__Output } from '../../../wgfleet/agent/v1/RenewResponse';

/**
 * One service for Linux agents and the RouterOS adapter alike (one identity per host).
 */
export interface AgentServiceClient extends grpc.Client {
  /**
   * mTLS. The agent says Hello with its applied revision; the controller answers with a delta or a
   * snapshot, then streams deltas as they happen; the agent streams results, stats and reports.
   */
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_wgfleet_agent_v1_AgentMessage, _wgfleet_agent_v1_ControllerMessage__Output>;
  Connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_wgfleet_agent_v1_AgentMessage, _wgfleet_agent_v1_ControllerMessage__Output>;
  /**
   * mTLS. The agent says Hello with its applied revision; the controller answers with a delta or a
   * snapshot, then streams deltas as they happen; the agent streams results, stats and reports.
   */
  connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_wgfleet_agent_v1_AgentMessage, _wgfleet_agent_v1_ControllerMessage__Output>;
  connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_wgfleet_agent_v1_AgentMessage, _wgfleet_agent_v1_ControllerMessage__Output>;
  
  /**
   * Server-authenticated TLS and a one-time token: turns a CSR into the host's client certificate.
   */
  Enroll(argument: _wgfleet_agent_v1_EnrollRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wgfleet_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _wgfleet_agent_v1_EnrollRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wgfleet_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _wgfleet_agent_v1_EnrollRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wgfleet_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _wgfleet_agent_v1_EnrollRequest, callback: grpc.requestCallback<_wgfleet_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Server-authenticated TLS and a one-time token: turns a CSR into the host's client certificate.
   */
  enroll(argument: _wgfleet_agent_v1_EnrollRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wgfleet_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _wgfleet_agent_v1_EnrollRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wgfleet_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _wgfleet_agent_v1_EnrollRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wgfleet_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _wgfleet_agent_v1_EnrollRequest, callback: grpc.requestCallback<_wgfleet_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * mTLS. A fresh certificate for the same host before the current one expires.
   */
  Renew(argument: _wgfleet_agent_v1_RenewRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wgfleet_agent_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  Renew(argument: _wgfleet_agent_v1_RenewRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wgfleet_agent_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  Renew(argument: _wgfleet_agent_v1_RenewRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wgfleet_agent_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  Renew(argument: _wgfleet_agent_v1_RenewRequest, callback: grpc.requestCallback<_wgfleet_agent_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  /**
   * mTLS. A fresh certificate for the same host before the current one expires.
   */
  renew(argument: _wgfleet_agent_v1_RenewRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_wgfleet_agent_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  renew(argument: _wgfleet_agent_v1_RenewRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_wgfleet_agent_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  renew(argument: _wgfleet_agent_v1_RenewRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_wgfleet_agent_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  renew(argument: _wgfleet_agent_v1_RenewRequest, callback: grpc.requestCallback<_wgfleet_agent_v1_RenewResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * One service for Linux agents and the RouterOS adapter alike (one identity per host).
 */
export interface AgentServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * mTLS. The agent says Hello with its applied revision; the controller answers with a delta or a
   * snapshot, then streams deltas as they happen; the agent streams results, stats and reports.
   */
  Connect: grpc.handleBidiStreamingCall<_wgfleet_agent_v1_AgentMessage__Output, _wgfleet_agent_v1_ControllerMessage>;
  
  /**
   * Server-authenticated TLS and a one-time token: turns a CSR into the host's client certificate.
   */
  Enroll: grpc.handleUnaryCall<_wgfleet_agent_v1_EnrollRequest__Output, _wgfleet_agent_v1_EnrollResponse>;
  
  /**
   * mTLS. A fresh certificate for the same host before the current one expires.
   */
  Renew: grpc.handleUnaryCall<_wgfleet_agent_v1_RenewRequest__Output, _wgfleet_agent_v1_RenewResponse>;
  
}

export interface AgentServiceDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<_wgfleet_agent_v1_AgentMessage, _wgfleet_agent_v1_ControllerMessage, _wgfleet_agent_v1_AgentMessage__Output, _wgfleet_agent_v1_ControllerMessage__Output>
  Enroll: MethodDefinition<_wgfleet_agent_v1_EnrollRequest, _wgfleet_agent_v1_EnrollResponse, _wgfleet_agent_v1_EnrollRequest__Output, _wgfleet_agent_v1_EnrollResponse__Output>
  Renew: MethodDefinition<_wgfleet_agent_v1_RenewRequest, _wgfleet_agent_v1_RenewResponse, _wgfleet_agent_v1_RenewRequest__Output, _wgfleet_agent_v1_RenewResponse__Output>
}

import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AgentServiceClient as _wgfleet_agent_v1_AgentServiceClient, AgentServiceDefinition as _wgfleet_agent_v1_AgentServiceDefinition } from './wgfleet/agent/v1/AgentService';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  wgfleet: {
    agent: {
      v1: {
        AgentMessage: MessageTypeDefinition
        /**
         * One service for Linux agents and the RouterOS adapter alike (one identity per host).
         */
        AgentService: SubtypeConstructor<typeof grpc.Client, _wgfleet_agent_v1_AgentServiceClient> & { service: _wgfleet_agent_v1_AgentServiceDefinition }
        ApplyResult: MessageTypeDefinition
        Bandwidth: MessageTypeDefinition
        ControllerMessage: MessageTypeDefinition
        DataplaneReport: MessageTypeDefinition
        DriftReport: MessageTypeDefinition
        DriverTiming: MessageTypeDefinition
        EnrollRequest: MessageTypeDefinition
        EnrollResponse: MessageTypeDefinition
        Hello: MessageTypeDefinition
        HostDelta: MessageTypeDefinition
        HostFacts: MessageTypeDefinition
        HostState: MessageTypeDefinition
        Interface: MessageTypeDefinition
        InterfaceDelta: MessageTypeDefinition
        InterfaceSettings: MessageTypeDefinition
        Keepalive: MessageTypeDefinition
        Peer: MessageTypeDefinition
        PeerStats: MessageTypeDefinition
        PortForward: MessageTypeDefinition
        RenewRequest: MessageTypeDefinition
        RenewResponse: MessageTypeDefinition
        ReportRequest: MessageTypeDefinition
        StatsReport: MessageTypeDefinition
      }
    }
  }
}


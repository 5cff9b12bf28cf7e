// The agent protocol (proto/wgfleet/agent/v1) for the controller, the agent and the RouterOS adapter.
//
//   const proto = loadAgentProto();                       // grpc-js constructors and definitions
//   server.addService(proto.AgentService.service, handlers);
//   const client = new proto.AgentService(address, credentials);
//
// Message types are generated (`npm run gen:proto`, never edited): `X` is what you send (fields
// optional), `X__Output` what you receive (every field present, defaults filled in). The codec
// turns desired state and deltas into and out of their messages; apply deltas with
// applyHostDelta from @wgfleet/domain.
export { AGENT_CHANNEL_OPTIONS, AGENT_SERVER_MAX_RECEIVE_BYTES, AGENT_SERVER_OPTIONS, findProtoRoot, loadAgentProto, PROTO_LOADER_OPTIONS, type AgentProtoPackage } from './loader';
export { hostDeltaFromProto, hostDeltaToProto, hostStateFromProto, hostStateToProto, ProtoDecodeError } from './codec';
export type { AgentServiceClient, AgentServiceHandlers, AgentServiceDefinition } from './generated/wgfleet/agent/v1/AgentService';
export type * from './generated/wgfleet/agent/v1/AgentMessage';
export type * from './generated/wgfleet/agent/v1/ApplyResult';
export type * from './generated/wgfleet/agent/v1/Bandwidth';
export type * from './generated/wgfleet/agent/v1/ControllerMessage';
export type * from './generated/wgfleet/agent/v1/DataplaneReport';
export type * from './generated/wgfleet/agent/v1/DriftReport';
export type * from './generated/wgfleet/agent/v1/DriverTiming';
export type * from './generated/wgfleet/agent/v1/EnrollRequest';
export type * from './generated/wgfleet/agent/v1/EnrollResponse';
export type * from './generated/wgfleet/agent/v1/Hello';
export type * from './generated/wgfleet/agent/v1/HostDelta';
export type * from './generated/wgfleet/agent/v1/HostFacts';
export type * from './generated/wgfleet/agent/v1/HostState';
export type * from './generated/wgfleet/agent/v1/Interface';
export type * from './generated/wgfleet/agent/v1/InterfaceDelta';
export type * from './generated/wgfleet/agent/v1/InterfaceSettings';
export type * from './generated/wgfleet/agent/v1/Keepalive';
export type * from './generated/wgfleet/agent/v1/Peer';
export type * from './generated/wgfleet/agent/v1/PeerStats';
export type * from './generated/wgfleet/agent/v1/PortForward';
export type * from './generated/wgfleet/agent/v1/RenewRequest';
export type * from './generated/wgfleet/agent/v1/RenewResponse';
export type * from './generated/wgfleet/agent/v1/ReportRequest';
export type * from './generated/wgfleet/agent/v1/StatsReport';

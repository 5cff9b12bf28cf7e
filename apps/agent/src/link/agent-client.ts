import * as grpc from '@grpc/grpc-js';
import { AGENT_CHANNEL_OPTIONS, loadAgentProto, type AgentProtoPackage, type AgentServiceClient } from '@wgfleet/proto';

// gRPC plumbing shared by enroll and run: one place that loads the protocol, sets channel
// options and turns unary callbacks into promises with deadlines.

let proto: AgentProtoPackage | null = null;

function agentProto(): AgentProtoPackage {
  proto ??= loadAgentProto();
  return proto;
}

/**
 * A client with the protocol's channel options (shared with the controller): HTTP/2 keepalive
 * pings find a dead path (NAT timeout, controller gone) within a minute even when no message
 * flows, and message limits fit a full snapshot of a large host.
 */
export function createAgentClient(address: string, credentials: grpc.ChannelCredentials): AgentServiceClient {
  return new (agentProto().AgentService)(address, credentials, AGENT_CHANNEL_OPTIONS);
}

const UNARY_DEADLINE_MS = 30_000;

type UnaryMethod<Req, Res> = (req: Req, options: grpc.CallOptions, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;

/** Calls a unary method with a deadline; the error message keeps gRPC's status details. */
export function callUnary<Req, Res>(method: UnaryMethod<Req, Res>, req: Req, deadlineMs = UNARY_DEADLINE_MS): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(req, { deadline: Date.now() + deadlineMs }, (err, res) => {
      if (err) reject(new Error(`${grpc.status[err.code] ?? err.code}: ${err.details || err.message}`));
      else if (!res) reject(new Error('empty response'));
      else resolve(res);
    });
  });
}

import type { ChannelCredentials } from '@grpc/grpc-js';
import { AGENT_CHANNEL_OPTIONS, loadAgentProto, type AgentServiceClient } from '@wgfleet/proto';

const proto = loadAgentProto();

/** A client of the agent service at `address`, with the channel options the real agent uses. */
export function agentClient(address: string, credentials: ChannelCredentials): AgentServiceClient {
  return new proto.AgentService(address, credentials, AGENT_CHANNEL_OPTIONS);
}

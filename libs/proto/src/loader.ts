import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ProtoGrpcType } from './generated/service';

// Messages are decoded at run time by @grpc/proto-loader into the shapes of the generated types,
// so these options must match the flags in libs/proto/scripts/gen-proto.js: camelCase fields,
// 64-bit integers as JS numbers (revisions and byte counters stay far below 2^53), every field
// present with its default, and the name of the set oneof field in `body`.
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

const SERVICE_FILE = 'wgfleet/agent/v1/service.proto';

/** The generated constructors and definitions of package wgfleet.agent.v1. */
export type AgentProtoPackage = ProtoGrpcType['wgfleet']['agent']['v1'];

/**
 * The repository's `proto/` directory: the nearest one above this file that holds the agent
 * protocol. Searching upwards works from the sources (tests, ts runners) and from compiled
 * output alike (dist/apps/<app>/libs/proto/src, with proto/ shipped beside dist/).
 */
export function findProtoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, SERVICE_FILE))) return candidate;
    if (dirname(dir) === dir) throw new Error(`no proto/${SERVICE_FILE} found above ${from}`);
  }
}

/**
 * Loads the agent protocol. `AgentService` is the client constructor
 * (`new AgentService(address, credentials)`), `AgentService.service` the definition to
 * `server.addService(...)`.
 */
export function loadAgentProto(protoRoot: string = findProtoRoot()): AgentProtoPackage {
  const definition = protoLoader.loadSync(SERVICE_FILE, { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot] });
  // loadPackageDefinition is untyped; ProtoGrpcType is generated from the same files.
  return (grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType).wgfleet.agent.v1;
}

/**
 * The largest message the controller accepts. It is far below the agent's own receive limit on
 * purpose: Enroll needs no client certificate, so anyone who reaches the port can send one, and
 * grpc-js buffers a whole message before any handler (or authentication) runs. Agents send
 * nothing big but their reports; at 50,000 peers on one host:
 * - StatsReport: ~110 bytes per peer (UUID, two counters, handshake, an IPv6 endpoint) ≈ 5.5 MB;
 * - DataplaneReport JSON: ~760 bytes per peer (WireGuard dump entry ~230, two tc classes with
 *   statistics ~450, a blocked-peer counter ~80) ≈ 38 MB even with every peer suspended.
 * 64 MB leaves room above that.
 */
export const AGENT_SERVER_MAX_RECEIVE_BYTES = 64 * 1024 * 1024;

/**
 * gRPC channel options for the agent's end of the stream. A snapshot of 50,000 peers is several
 * megabytes, over gRPC's 4 MB default receive limit, so the agent receives up to 256 MB; it sends
 * at most what the controller accepts (a bigger report fails on the agent, not on the wire).
 * Keepalive pings find a dead peer (a crashed host, a NAT that dropped the flow) within ~40 s
 * instead of the kernel's TCP timeout.
 */
export const AGENT_CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  'grpc.max_send_message_length': AGENT_SERVER_MAX_RECEIVE_BYTES,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
} as const;

/** The controller's server options: the same keepalive, snapshots up to 256 MB out, and its own receive limit. */
export const AGENT_SERVER_OPTIONS = {
  ...AGENT_CHANNEL_OPTIONS,
  'grpc.max_receive_message_length': AGENT_SERVER_MAX_RECEIVE_BYTES,
  'grpc.max_send_message_length': 256 * 1024 * 1024,
} as const;

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
 * gRPC channel options for both ends of the agent stream. A snapshot of 50,000 peers is several
 * megabytes, over gRPC's 4 MB default receive limit; keepalive pings find a dead peer (a crashed
 * host, a NAT that dropped the flow) within ~40 s instead of the kernel's TCP timeout.
 */
export const AGENT_CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  'grpc.max_send_message_length': 256 * 1024 * 1024,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
} as const;

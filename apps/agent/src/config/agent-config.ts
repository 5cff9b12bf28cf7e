import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file';

// The agent's configuration file (default /etc/wgfleet/agent.json), written by `enroll` and read
// by `run` and `status`. It holds no secret: the private key lives in the state directory.

export const DEFAULT_CONFIG_PATH = '/etc/wgfleet/agent.json';
export const DEFAULT_STATE_DIR = '/var/lib/wgfleet';

export interface AgentConfig {
  /** The controller's gRPC endpoint, "host:port". */
  controller: string;
  hostId: string;
  /** Where the key, certificates, last applied state and status live. */
  stateDir: string;
  /** Run every data-plane command inside this network namespace (tests, the demo host). */
  netns: string | null;
}

/** Files inside the state directory. */
export function statePaths(stateDir: string): { key: string; cert: string; ca: string; status: string } {
  return {
    key: join(stateDir, 'agent.key'),
    cert: join(stateDir, 'agent.crt'),
    ca: join(stateDir, 'ca.crt'),
    status: join(stateDir, 'status.json'),
  };
}

export class ConfigFileError extends Error {
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'ConfigFileError';
  }
}

/** Parses "host:port" / "[v6]:port"; throws with a readable message. */
export function parseHostPort(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) throw new Error(`controller address must look like host:port, got ${JSON.stringify(value)}`);
  return { host: (m[1] ?? m[2]) as string, port };
}

export async function loadAgentConfig(path: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ConfigFileError(path, 'not found; run `wgfleet-agent enroll` first');
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigFileError(path, 'not valid JSON');
  }
  const o = (raw ?? {}) as Record<string, unknown>;
  const str = (k: string): string => {
    const v = o[k];
    if (typeof v !== 'string' || v.length === 0) throw new ConfigFileError(path, `"${k}" must be a non-empty string`);
    return v;
  };
  const netns = o['netns'];
  if (netns !== undefined && netns !== null && typeof netns !== 'string') throw new ConfigFileError(path, '"netns" must be a string or null');
  const config: AgentConfig = { controller: str('controller'), hostId: str('hostId'), stateDir: str('stateDir'), netns: netns ?? null };
  parseHostPort(config.controller);
  return config;
}

export async function saveAgentConfig(path: string, config: AgentConfig): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(config, null, 2)}\n`, 0o644);
}

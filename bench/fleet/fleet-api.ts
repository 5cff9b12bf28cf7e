// The few REST calls the fleet benchmark makes, over the controller helper's authenticated client.
import type { ControllerProcess } from '@wgfleet/testing';

/** A write that changed one host's desired state. */
export interface HostWrite {
  /** Id of the created row. */
  id: string;
  revision: number;
  /** Only with wait: the host acknowledged `revision` before the response. */
  applied: boolean;
}

export class FleetApi {
  private peerSeq = 0;

  constructor(private readonly controller: ControllerProcess) {}

  /** A Linux host and its one-time enrollment token ("<secret>.<CA fingerprint>"). */
  async createHost(name: string, publicAddress: string): Promise<{ id: string; token: string }> {
    // Not the default host: hosts are created in parallel, and the first ones would race to be it.
    const body = await this.post('/api/v1/hosts', { name, kind: 'linux', publicAddress, isDefault: false });
    const token = body.enrollmentToken;
    if (!isRecord(token) || typeof token.token !== 'string') throw new Error('POST /hosts returned no enrollment token');
    return { id: text(body, 'id'), token: token.token };
  }

  createInterface(hostId: string): Promise<HostWrite> {
    return this.write('/api/v1/interfaces', { hostId });
  }

  /** `waitSeconds`: hold the response until the host applied it (`?wait=applied&timeout=...`). */
  createPeer(interfaceId: string, waitSeconds?: number): Promise<HostWrite> {
    const query = waitSeconds === undefined ? '' : `?wait=applied&timeout=${waitSeconds}s`;
    return this.write(`/api/v1/interfaces/${interfaceId}/peers${query}`, { name: `bench-${this.peerSeq++}` });
  }

  /** Agent streams open on the controller (its wgfleet_agent_streams gauge). */
  async openStreams(): Promise<number> {
    const res = await this.controller.request('GET', '/metrics');
    const value = /^wgfleet_agent_streams (\d+)$/m.exec(res.text)?.[1];
    if (value === undefined) throw new Error('/metrics has no wgfleet_agent_streams');
    return Number(value);
  }

  private async write(path: string, payload: unknown): Promise<HostWrite> {
    const body = await this.post(path, payload);
    const revision = body.revision;
    if (typeof revision !== 'number') throw new Error(`${path} returned no revision`);
    return { id: text(body, 'id'), revision, applied: body.applied === true };
  }

  private async post(path: string, payload: unknown): Promise<Record<string, unknown>> {
    const res = await this.controller.request('POST', path, payload);
    if (res.status !== 201 || !isRecord(res.body)) throw new Error(`POST ${path}: ${res.status} ${res.text.slice(0, 300)}`);
    return res.body;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function text(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string') throw new Error(`response has no ${key}`);
  return v;
}

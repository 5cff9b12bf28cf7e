import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../config/atomic-file';

// What `wgfleet-agent status` shows about the running agent, persisted by `run` in the state
// directory (status.json). No secrets: revisions, times and error messages only.

export interface AgentStatus {
  lastAppliedRevision: number | null;
  lastAppliedAt: string | null;
  /** How the last apply ran (full/incremental/noop) and how long it took. */
  lastApply: { mode: string; ms: number } | null;
  lastError: string | null;
  lastErrorAt: string | null;
  connected: boolean;
  lastConnectedAt: string | null;
  lastDrift: { at: string; inSync: boolean; repaired: boolean; lines: string[] } | null;
  pid: number | null;
  updatedAt: string | null;
}

export const EMPTY_STATUS: AgentStatus = {
  lastAppliedRevision: null,
  lastAppliedAt: null,
  lastApply: null,
  lastError: null,
  lastErrorAt: null,
  connected: false,
  lastConnectedAt: null,
  lastDrift: null,
  pid: null,
  updatedAt: null,
};

export async function readAgentStatus(path: string): Promise<AgentStatus> {
  try {
    return { ...EMPTY_STATUS, ...(JSON.parse(await readFile(path, 'utf8')) as Partial<AgentStatus>) };
  } catch {
    // Missing or torn by an older version: status is informative, never fatal.
    return { ...EMPTY_STATUS };
  }
}

/** Keeps the status in memory and writes it through, one write at a time, latest wins. */
export class AgentStatusFile {
  private current: AgentStatus;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    initial: AgentStatus,
    /** Status is informative: a failed write is reported here and never fails the caller. */
    private readonly onWriteError: (e: unknown) => void = () => undefined,
  ) {
    this.current = { ...initial, pid: process.pid };
  }

  get value(): AgentStatus {
    return this.current;
  }

  /** Resolves once this update is on disk (or its write failed); never rejects. */
  update(patch: Partial<AgentStatus>): Promise<void> {
    this.current = { ...this.current, ...patch, updatedAt: new Date().toISOString() };
    const snapshot = JSON.stringify(this.current, null, 2);
    this.writing = this.writing.then(() => writeFileAtomic(this.path, `${snapshot}\n`, 0o644)).catch(this.onWriteError);
    return this.writing;
  }
}

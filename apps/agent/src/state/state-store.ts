import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostDesiredState } from '@wgfleet/domain';

// The last applied desired state, on disk, so the agent can re-apply it at boot before the
// controller is reachable (fail-static). It holds private and preshared keys: the directory is
// 0700 and the file 0600 from the moment it is created.

export const STATE_FILE = 'applied-state.json';

export class CorruptStateError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'CorruptStateError';
  }
}

export class StateStore {
  readonly path: string;

  constructor(readonly stateDir: string) {
    this.path = join(stateDir, STATE_FILE);
  }

  /** Atomically replaces the stored state: a crash leaves either the old or the new file, never a torn one. */
  async save(state: HostDesiredState): Promise<void> {
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    // A temp file left by a crashed process with the same pid is ours to discard.
    await rm(tmp, { force: true });
    // Created with O_EXCL and mode 0600: the keys are never readable by others, not even briefly.
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await fh.writeFile(JSON.stringify(state));
      // fsync before rename: otherwise a power cut can leave the new name pointing at an empty file.
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
    // fsync the directory so the rename itself is durable.
    const dir = await open(this.stateDir, constants.O_RDONLY);
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** The stored state, or null when none was ever saved. Throws CorruptStateError on an unreadable file. */
  async load(): Promise<HostDesiredState | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new CorruptStateError(this.path, `not JSON (${(e as Error).message})`);
    }
    if (!looksLikeHostState(value)) throw new CorruptStateError(this.path, 'not a host desired state');
    return value;
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

function looksLikeHostState(v: unknown): v is HostDesiredState {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return typeof s['hostId'] === 'string' && typeof s['revision'] === 'number' && Array.isArray(s['interfaces']);
}

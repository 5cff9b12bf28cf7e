import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostDesiredState } from '@wgfleet/domain';
import { CorruptStateError, StateStore } from './state-store';

describe('StateStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wgfleet-state-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const state: HostDesiredState = { hostId: 'h', revision: 7, publicAddress: null, interfaces: [] };

  it('round-trips, with a 0600 file and no temp files left', async () => {
    const store = new StateStore(join(dir, 'nested'));
    expect(await store.load()).toBeNull();
    await store.save(state);
    await store.save({ ...state, revision: 8 });
    expect(await store.load()).toEqual({ ...state, revision: 8 });
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'nested'))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(dir, 'nested'))).toEqual(['applied-state.json']);
  });

  it('reports a corrupt file instead of returning garbage', async () => {
    const store = new StateStore(dir);
    await writeFile(store.path, '{"hostId": "h", "revi');
    await expect(store.load()).rejects.toBeInstanceOf(CorruptStateError);
    await writeFile(store.path, '{"hello": 1}');
    await expect(store.load()).rejects.toThrow('not a host desired state');
  });
});

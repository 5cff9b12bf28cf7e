import { constants, existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// wg(8) reads configs and keys only from a path. `/dev/stdin` does not work from Node: libuv
// connects a child's stdin with a socketpair, and open("/dev/stdin") on a socket fails with
// ENXIO. So secrets go through a short-lived 0600 file on tmpfs (never on disk), in a 0700
// directory, removed as soon as the command returns. `ip netns exec` keeps /dev/shm and /run
// shared, so the path is valid inside a namespace too.

const BASE_CANDIDATES = ['/dev/shm', '/run'];

function baseDir(): string {
  return BASE_CANDIDATES.find((d) => existsSync(d)) ?? tmpdir();
}

export async function withSecretFile<T>(content: string, fn: (path: string) => Promise<T>): Promise<T> {
  // mkdtemp creates the directory 0700 with an unguessable name.
  const dir = await mkdtemp(join(baseDir(), 'wgfleet-'));
  try {
    const path = join(dir, 'secret');
    const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await fh.writeFile(content);
    } finally {
      await fh.close();
    }
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

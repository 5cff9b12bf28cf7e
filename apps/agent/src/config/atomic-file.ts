import { constants } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

// Every file the agent writes (key, certificates, config, status) is replaced atomically: a crash
// or power cut leaves the old or the new content, never a torn file, and a private key is never
// readable by others, not even between create and chmod.

export async function writeFileAtomic(path: string, content: string | Buffer, mode: number): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  // A temp file left by a crashed process with the same pid is ours to discard.
  await rm(tmp, { force: true });
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await fh.writeFile(content);
    // fsync before rename, or a power cut can leave the new name pointing at an empty file.
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const d = await open(dir, constants.O_RDONLY);
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

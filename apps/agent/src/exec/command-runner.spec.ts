import { CommandError, ProcessCommandRunner } from './command-runner';
import { withSecretFile } from './secret-file';
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';

describe('ProcessCommandRunner', () => {
  const runner = new ProcessCommandRunner();

  it('passes stdin and returns output', async () => {
    expect((await runner.run('cat', [], { stdin: 'hello' })).stdout).toBe('hello');
  });

  it('throws a typed error with command, exit code and stderr, but never stdout', async () => {
    const err = await runner.run('sh', ['-c', 'cat; echo boom >&2; exit 3'], { stdin: 'secret' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect(err).toMatchObject({ command: 'sh', exitCode: 3, stderr: 'boom\n' });
    expect((err as Error).message).not.toContain('secret');
  });

  it('reports a missing binary as a CommandError', async () => {
    await expect(runner.run('/nonexistent/tool', [])).rejects.toMatchObject({ exitCode: null });
  });
});

describe('withSecretFile', () => {
  it('hands out a 0600 file that is gone afterwards', async () => {
    let seen = '';
    await withSecretFile('k=v', async (path) => {
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      seen = path;
      expect(await readFile(path, 'utf8')).toBe('k=v');
    });
    expect(existsSync(seen)).toBe(false);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

// The generated types are committed so that editors and tsc see them; this proves they are exactly
// what the generator makes from the .proto files, i.e. nobody edited them and nobody forgot to
// run `npm run gen:proto` after changing the protocol.

const root = join(__dirname, '../../..');
const committed = join(__dirname, 'generated');

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('generated protocol types', () => {
  let fresh: string;
  beforeAll(() => {
    fresh = mkdtempSync(join(tmpdir(), 'wgfleet-proto-'));
    execFileSync(process.execPath, [join(root, 'libs/proto/scripts/gen-proto.js'), join(fresh, 'generated')], { cwd: root, stdio: 'pipe' });
  });
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it('are exactly what `npm run gen:proto` produces', () => {
    const expected = files(join(fresh, 'generated'));
    const actual = files(committed);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, text] of expected) expect({ path, text: actual.get(path) }).toEqual({ path, text });
  });
});

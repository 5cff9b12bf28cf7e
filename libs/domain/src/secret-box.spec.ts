import { randomBytes } from 'node:crypto';
import { SecretBox, deriveKey, parseMasterKey } from './secret-box';

const master = randomBytes(32);

describe('parseMasterKey', () => {
  it('accepts base64 and hex of 32 bytes', () => {
    expect(parseMasterKey(master.toString('base64')).equals(master)).toBe(true);
    expect(parseMasterKey(master.toString('base64url')).equals(master)).toBe(true);
    expect(parseMasterKey(master.toString('hex')).equals(master)).toBe(true);
    expect(parseMasterKey(master.toString('hex').toUpperCase()).equals(master)).toBe(true);
  });

  it('rejects other lengths without echoing the value', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => parseMasterKey(short)).toThrow(/32 bytes/);
    try {
      parseMasterKey(short);
    } catch (e) {
      expect((e as Error).message).not.toContain(short);
    }
    expect(() => parseMasterKey('not a key!')).toThrow(/32 bytes/);
    expect(() => parseMasterKey('')).toThrow();
  });
});

describe('deriveKey', () => {
  it('is deterministic and separates purposes', () => {
    const a = deriveKey(master, 'oauth');
    expect(a).toHaveLength(32);
    expect(deriveKey(master, 'oauth').equals(a)).toBe(true);
    expect(deriveKey(master, 'other').equals(a)).toBe(false);
    expect(() => deriveKey(randomBytes(16), 'oauth')).toThrow();
  });
});

describe('SecretBox', () => {
  const box = new SecretBox(master);

  it('round-trips and uses a fresh IV each time', () => {
    const a = box.seal('wg private key', 'peer:1:privateKey');
    const b = box.seal('wg private key', 'peer:1:privateKey');
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(box.open(a, 'peer:1:privateKey')).toBe('wg private key');
    expect(box.open(box.seal('', 'ctx'), 'ctx')).toBe('');
    expect(box.open(box.seal('ünïcode ✓', 'ctx'), 'ctx')).toBe('ünïcode ✓');
  });

  it('fails with the wrong context', () => {
    const sealed = box.seal('secret', 'peer:1:privateKey');
    expect(() => box.open(sealed, 'peer:2:privateKey')).toThrow(/cannot open/);
  });

  it('fails with the wrong master key', () => {
    const sealed = box.seal('secret', 'ctx');
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'ctx')).toThrow(/cannot open/);
  });

  it('detects tampering in every part', () => {
    const sealed = box.seal('secret value', 'ctx');
    const parts = sealed.split('.');
    for (const i of [1, 2, 3]) {
      const p = [...parts];
      const bytes = Buffer.from(p[i]!, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      p[i] = bytes.toString('base64url');
      expect(() => box.open(p.join('.'), 'ctx')).toThrow(/secret-box/);
    }
  });

  it('rejects malformed input', () => {
    for (const bad of ['', 'v1.a.b', 'v2.a.b.c', 'v1.!!.b.c', 'v1.AAAA.AAAA.AAAA']) {
      expect(() => box.open(bad, 'ctx')).toThrow(/secret-box/);
    }
  });
});

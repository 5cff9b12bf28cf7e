import { apiSecretMatches, generateApiKey, generateToken, hashApiSecret, hashToken, parseApiKey } from './api-key-format';

describe('api keys', () => {
  it('generates keys that parse back', () => {
    const k = generateApiKey();
    expect(k.id).toMatch(/^[0-9a-f]{16}$/);
    expect(k.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(k.key).toBe(`wgf_${k.id}_${k.secret}`);
    expect(parseApiKey(k.key)).toEqual({ id: k.id, secret: k.secret });
  });

  it('splits only on the first underscores when the secret contains "_" and "-"', () => {
    const secret = '_abc_def-ghi_' + 'x'.repeat(30);
    expect(secret).toHaveLength(43);
    expect(parseApiKey(`wgf_0123456789abcdef_${secret}`)).toEqual({ id: '0123456789abcdef', secret });
  });

  it('is strict', () => {
    const s = 'a'.repeat(43);
    for (const bad of [
      `wgx_0123456789abcdef_${s}`,
      `0123456789abcdef_${s}`,
      `wgf_0123456789ABCDEF_${s}`,
      `wgf_0123456789abcde_${s}`,
      `wgf_0123456789abcdef_${s}a`,
      `wgf_0123456789abcdef_${'a'.repeat(42)}=`,
      'wgf_0123456789abcdef',
      '',
    ]) {
      expect(parseApiKey(bad)).toBeNull();
    }
  });

  it('hashes secrets and compares them', () => {
    const { secret } = generateApiKey();
    const hash = hashApiSecret(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(apiSecretMatches(secret, hash)).toBe(true);
    expect(apiSecretMatches(secret + 'x', hash)).toBe(false);
    expect(apiSecretMatches(secret, 'short')).toBe(false);
    expect(apiSecretMatches(secret, hash.toUpperCase())).toBe(false);
  });

  it('generates and hashes tokens', () => {
    const t = generateToken('wgfe');
    expect(t).toMatch(/^wgfe_[A-Za-z0-9_-]{43}$/);
    expect(hashToken(t)).toBe(hashToken(t));
    expect(hashToken(t)).not.toBe(hashToken(generateToken('wgfe')));
  });
});

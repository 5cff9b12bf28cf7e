import { generateToken } from './api-key-format';
import { pinEnrollmentToken, splitEnrollmentToken } from './enrollment-token';

const fingerprint = 'ab'.repeat(32);

describe('enrollment tokens', () => {
  it('carry the CA fingerprint and split back into token and pin', () => {
    const token = generateToken('wgfenr');
    const pinned = pinEnrollmentToken(token, fingerprint);
    expect(pinned).toBe(`${token}.${fingerprint}`);
    expect(splitEnrollmentToken(pinned)).toEqual({ token, caFingerprint: fingerprint });
  });

  it('accept a bare token', () => {
    expect(splitEnrollmentToken('wgfenr_abc-_D')).toEqual({ token: 'wgfenr_abc-_D', caFingerprint: null });
  });
});

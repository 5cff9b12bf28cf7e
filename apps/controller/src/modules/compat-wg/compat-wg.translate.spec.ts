import { ApiError } from '../../common/api-error';
import { checkVersion, SEED_MESSAGES, splitInterfaceId, toNativeBody, translateError, withKeys } from './compat-wg.translate';

describe('compat-wg translations', () => {
  it('checkVersion accepts nothing, latest and 1.0.0 and refuses anything else', () => {
    for (const ok of [undefined, 'latest', '1.0.0']) expect(() => checkVersion(ok)).not.toThrow();
    for (const bad of ['', '1.0', 'v1.0.0', '2.0.0', 'LATEST', ['latest'], { a: '1' }]) {
      expect(() => checkVersion(bad)).toThrow(expect.objectContaining({ status: 400, code: 'UNSUPPORTED_VERSION', details: [expect.objectContaining({ field: 'version' })] }));
    }
  });

  it('toNativeBody renames snake_case keys at every level except inside metadata', () => {
    expect(toNativeBody({ public_key: 'k', bandwidth: { download_kbit: 1, upload_kbit: 2 }, allowed_ips: ['10.0.0.0/8'], metadata: { plan_id: 3 } })).toEqual({
      publicKey: 'k',
      bandwidth: { downloadKbit: 1, uploadKbit: 2 },
      allowedIps: ['10.0.0.0/8'],
      metadata: { plan_id: 3 },
    });
    // Both spellings: the snake_case one stays, so validation names it as unknown.
    expect(toNativeBody({ public_key: 'a', publicKey: 'b' })).toEqual({ public_key: 'a', publicKey: 'b' });
    const hostile = toNativeBody(JSON.parse('{"__proto__": {"admin": true}}')) as Record<string, unknown>;
    expect(Object.keys(hostile)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(hostile)).toBe(Object.prototype);
    for (const scalar of [null, 3, 'x', true]) expect(toNativeBody(scalar)).toBe(scalar);
    const form: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    form.interface_id = 'i';
    expect(toNativeBody(form)).toEqual({ interfaceId: 'i' });
  });

  it("translateError gives a 400 about the public key the seed's message and keeps everything else", () => {
    const invalid = ApiError.invalid('publicKey', 'publicKey must be a WireGuard key (base64 of 32 bytes)');
    const translated = translateError(invalid);
    expect(translated).toBeInstanceOf(ApiError);
    expect(translated).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', message: SEED_MESSAGES.invalidPublicKey, details: invalid.details });
    const other = ApiError.invalid('address', 'nope');
    expect(translateError(other)).toBe(other);
    const conflict = ApiError.conflict('PUBLIC_KEY_IN_USE', 'taken', 'publicKey');
    expect(translateError(conflict)).toBe(conflict);
    const unexpected = new Error('boom');
    expect(translateError(unexpected)).toBe(unexpected);
  });

  it('splitInterfaceId and withKeys shape the create call', () => {
    expect(splitInterfaceId({ interfaceId: 'i', name: 'n' })).toEqual({ interfaceId: 'i', rest: { name: 'n' } });
    expect(withKeys({ publicKey: 'p' }, () => ({ publicKey: 'x', privateKey: 'y' }))).toEqual({ dto: { publicKey: 'p' }, privateKey: null });
    expect(withKeys({ name: 'n' }, () => ({ publicKey: 'x', privateKey: 'y' }))).toEqual({ dto: { name: 'n', publicKey: 'x' }, privateKey: 'y' });
  });
});

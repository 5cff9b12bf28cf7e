import {
  generateKeyPair,
  generatePresharedKey,
  isValidWireguardKey,
  keyPairMatches,
  publicKeyFromPrivate,
} from './wireguard-keys';

// From the wg(8) man page.
const PRIVATE = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const PUBLIC = 'HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=';

describe('wireguard keys', () => {
  it('derives the known public key', () => {
    expect(publicKeyFromPrivate(PRIVATE)).toBe(PUBLIC);
    expect(keyPairMatches(PRIVATE, PUBLIC)).toBe(true);
  });

  it('generates valid, matching, distinct pairs', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(isValidWireguardKey(a.privateKey)).toBe(true);
    expect(isValidWireguardKey(a.publicKey)).toBe(true);
    expect(publicKeyFromPrivate(a.privateKey)).toBe(a.publicKey);
    expect(a.privateKey).not.toBe(b.privateKey);
    expect(keyPairMatches(a.privateKey, b.publicKey)).toBe(false);
  });

  it('generates preshared keys', () => {
    const psk = generatePresharedKey();
    expect(isValidWireguardKey(psk)).toBe(true);
    expect(psk).not.toBe(generatePresharedKey());
  });

  it('accepts only canonical base64 of 32 bytes', () => {
    expect(isValidWireguardKey(PUBLIC)).toBe(true);
    expect(isValidWireguardKey(PUBLIC.slice(0, 43))).toBe(false); // no padding
    expect(isValidWireguardKey('HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykx=')).toBe(false); // non-zero pad bits
    expect(isValidWireguardKey('HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8yk_=')).toBe(false); // url-safe alphabet
    expect(isValidWireguardKey(Buffer.alloc(31).toString('base64'))).toBe(false);
    expect(isValidWireguardKey('')).toBe(false);
  });

  it('rejects garbage without throwing in keyPairMatches', () => {
    expect(keyPairMatches('nope', PUBLIC)).toBe(false);
    expect(() => publicKeyFromPrivate('nope')).toThrow(/not a valid WireGuard private key/);
  });
});

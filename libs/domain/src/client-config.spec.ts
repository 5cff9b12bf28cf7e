import { renderClientConfig, type ClientConfigInput } from './client-config';

const base: ClientConfigInput = {
  privateKey: 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=',
  address: '10.8.0.2/32',
  dns: ['1.1.1.1', '1.0.0.1'],
  mtu: 1420,
  serverPublicKey: 'HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=',
  presharedKey: 'FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=',
  endpoint: 'vpn.example.com:51820',
  allowedIps: ['0.0.0.0/0', '::/0'],
  persistentKeepalive: 25,
};

describe('renderClientConfig', () => {
  it('renders every field', () => {
    expect(renderClientConfig(base)).toBe(
      [
        '[Interface]',
        'PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=',
        'Address = 10.8.0.2/32',
        'DNS = 1.1.1.1, 1.0.0.1',
        'MTU = 1420',
        '',
        '[Peer]',
        'PublicKey = HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=',
        'PresharedKey = FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=',
        'AllowedIPs = 0.0.0.0/0, ::/0',
        'Endpoint = vpn.example.com:51820',
        'PersistentKeepalive = 25',
        '',
      ].join('\n'),
    );
  });

  it('omits optional fields and marks a missing private key', () => {
    const text = renderClientConfig({
      ...base,
      privateKey: null,
      dns: [],
      mtu: null,
      presharedKey: null,
      persistentKeepalive: 0,
      allowedIps: ['10.8.0.0/24'],
    });
    expect(text).toContain('# PrivateKey = <not stored: set your own private key here>\n');
    expect(text).not.toMatch(/^PrivateKey|DNS|MTU|PresharedKey|PersistentKeepalive/m);
    expect(text).toContain('AllowedIPs = 10.8.0.0/24\n');
    expect(text.endsWith('Endpoint = vpn.example.com:51820\n')).toBe(true);
    expect(renderClientConfig({ ...base, persistentKeepalive: null })).not.toContain('PersistentKeepalive');
  });
});

import { startTestApp, type TestApp } from './harness';

describe('peer rules beyond field validation', () => {
  let t: TestApp;
  let iface: string;
  const peer = (body: object) => t.http().post(`/api/v1/interfaces/${iface}/peers`).set(t.auth()).send(body);

  beforeAll(async () => {
    t = await startTestApp();
    await t.http().post('/api/v1/hosts').set(t.auth()).send({ name: 'h1', kind: 'linux', publicAddress: '192.0.2.1' }).expect(201);
    iface = (await t.http().post('/api/v1/interfaces').set(t.auth()).send({ address: '100.64.0.1/24' }).expect(201)).body.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('routes an extra network to one peer only', async () => {
    const site = await peer({ name: 'site-a', allowedIps: ['192.168.10.0/24'] });
    expect(site.status).toBe(201);
    expect(site.body.allowedIps).toEqual([`${site.body.address}/32`, '192.168.10.0/24']);

    const overlapping = await peer({ name: 'site-b', allowedIps: ['192.168.0.0/16'] });
    expect(overlapping.status).toBe(409);
    expect(overlapping.body).toMatchObject({ code: 'ALLOWED_IPS_OVERLAP', details: [{ field: 'allowedIps' }] });
    expect(overlapping.body.message).toContain("site-a");

    const intoSubnet = await peer({ name: 'site-c', allowedIps: ['100.64.0.128/25'] });
    expect(intoSubnet.status).toBe(400);
    expect(intoSubnet.body.details[0].field).toBe('allowedIps');

    // A peer may keep (re-send) its own networks.
    await t.http().patch(`/api/v1/peers/${site.body.id}`).set(t.auth()).send({ allowedIps: ['192.168.10.0/24', '10.99.0.0/16'] }).expect(200);
    const names = ((await t.http().get(`/api/v1/peers?interfaceId=${iface}`).set(t.auth())).body.items as Array<{ name: string }>).map((p) => p.name);
    expect(names).toEqual(['site-a']);
  });

  it('stores extra networks as the host holds them: host bits cleared, IPv6 canonical', async () => {
    const created = (await peer({ name: 'canon', allowedIps: ['172.20.1.9/24', 'FD00:0::1/128', 'fd00:0001::7/64', 'fd00::1/128'] }).expect(201)).body;
    expect(created.allowedIps).toEqual([`${created.address}/32`, '172.20.1.0/24', 'fd00::1/128', 'fd00:1::/64']);
    const patched = (await t.http().patch(`/api/v1/peers/${created.id}`).set(t.auth()).send({ allowedIps: ['2001:DB8::5/48'] }).expect(200)).body;
    expect(patched.allowedIps).toEqual([`${created.address}/32`, '2001:db8::/48']);
  });

  it('re-enabling through PATCH obeys expiry like resume does', async () => {
    const expired = (await peer({ name: 'late', expiresAt: '2020-01-01T00:00:00Z' }).expect(201)).body;
    await t.http().post(`/api/v1/peers/${expired.id}/suspend`).set(t.auth()).send({ reason: 'expired' }).expect(200);
    const refused = await t.http().patch(`/api/v1/peers/${expired.id}`).set(t.auth()).send({ enabled: true });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('PEER_EXPIRED');
    const extended = await t.http().patch(`/api/v1/peers/${expired.id}`).set(t.auth()).send({ enabled: true, expiresAt: '2099-01-01T00:00:00Z' });
    expect(extended.status).toBe(200);
    expect(extended.body).toMatchObject({ enabled: true, suspension: null, expiresAt: '2099-01-01T00:00:00.000Z' });
  });
});

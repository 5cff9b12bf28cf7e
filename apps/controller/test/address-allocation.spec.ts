import { api, createHost, createInterface, createPeer, expectError, type InterfaceBody } from './fixtures';
import { startTestApp, type TestApp } from './harness';

// Allocation starts from a per-interface hint instead of reading every peer; these cases pin down
// that it still hands out the lowest free address after deletes and address changes.
describe('address allocation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await createHost(t, { isDefault: true });
  });
  afterAll(() => t.close());

  const next = async (iface: InterfaceBody): Promise<string> => (await createPeer(t, iface.id)).address;

  it('hands out addresses in order and reuses the lowest freed one first', async () => {
    const iface = await createInterface(t, { address: '100.64.10.1/24' });
    const [a, b, c] = [await createPeer(t, iface.id), await createPeer(t, iface.id), await createPeer(t, iface.id)];
    expect([a.address, b.address, c.address]).toEqual(['100.64.10.2', '100.64.10.3', '100.64.10.4']);

    await t.http().delete(api(`/peers/${b.id}`)).set(t.auth()).expect(200);
    expect(await next(iface)).toBe('100.64.10.3');
    expect(await next(iface)).toBe('100.64.10.5');

    // Moving a peer away frees its old address; the newcomer there gets a name of its own.
    await t.http().patch(api(`/peers/${a.id}`)).set(t.auth()).send({ address: '100.64.10.200' }).expect(200);
    const newcomer = await createPeer(t, iface.id);
    expect(newcomer).toMatchObject({ address: '100.64.10.2', name: 'peer-100-64-10-2-2' });
    // An explicitly taken address further up is skipped when allocation reaches it.
    await createPeer(t, iface.id, { address: '100.64.10.6' });
    expect(await next(iface)).toBe('100.64.10.7');
  });

  it('answers 409 once the subnet is full, and allocates again after a delete', async () => {
    // A /29 with the interface on .1 leaves .2–.6 for peers.
    const iface = await createInterface(t, { address: '100.64.20.1/29' });
    const peers = [];
    for (let i = 0; i < 5; i++) peers.push(await createPeer(t, iface.id));
    expect(peers.map((p) => p.address)).toEqual(['100.64.20.2', '100.64.20.3', '100.64.20.4', '100.64.20.5', '100.64.20.6']);
    const full = expectError(await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).send({}), 409, 'NO_FREE_ADDRESS');
    expect(full.message).toContain('100.64.20.1/29');

    await t.http().delete(api(`/peers/${peers[3]?.id}`)).set(t.auth()).expect(200);
    expect(await next(iface)).toBe('100.64.20.5');
  });

  it('never hands out the interface address, wherever it sits in the subnet', async () => {
    const iface = await createInterface(t, { address: '100.64.30.3/29' });
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await next(iface));
    expect(got).toEqual(['100.64.30.1', '100.64.30.2', '100.64.30.4', '100.64.30.5', '100.64.30.6']);
  });

  it('allocates inside the new subnet after the interface moved to another one', async () => {
    const iface = await createInterface(t, { address: '100.64.40.1/24' });
    const a = await createPeer(t, iface.id);
    await createPeer(t, iface.id);
    // Deleting the peers leaves the hint in the old subnet.
    const all = await t.http().get(api(`/peers?interfaceId=${iface.id}`)).set(t.auth()).expect(200);
    for (const p of all.body.items as Array<{ id: string }>) await t.http().delete(api(`/peers/${p.id}`)).set(t.auth()).expect(200);
    expect(a.address).toBe('100.64.40.2');
    await t.http().patch(api(`/interfaces/${iface.id}`)).set(t.auth()).send({ address: '100.64.41.1/24' }).expect(200);
    expect(await next(iface)).toBe('100.64.41.2');
  });

  it('starts from the bottom of a grown subnet', async () => {
    const iface = await createInterface(t, { address: '100.64.50.1/24' });
    const a = await createPeer(t, iface.id);
    await t.http().delete(api(`/peers/${a.id}`)).set(t.auth()).expect(200);
    // 100.64.50.1 was the interface's own address; in the /23 it is free.
    await t.http().patch(api(`/interfaces/${iface.id}`)).set(t.auth()).send({ address: '100.64.51.1/23' }).expect(200);
    expect(await next(iface)).toBe('100.64.50.1');
  });

  it('looks past a long run of taken addresses above the hint', async () => {
    // 300 explicitly placed peers right above the hint: more than the first search window.
    const iface = await createInterface(t, { address: '100.64.80.1/23' });
    const explicit = Array.from({ length: 300 }, (_, i) => `100.64.${80 + ((i + 2) >> 8)}.${(i + 2) & 255}`);
    for (const address of explicit) await createPeer(t, iface.id, { address });
    expect(await next(iface)).toBe('100.64.81.46');
  });
});


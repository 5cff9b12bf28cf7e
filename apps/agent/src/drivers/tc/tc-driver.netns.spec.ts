import { diffHostStates, type HostDesiredState } from '@wgfleet/domain';
import { ProcessCommandRunner } from '../../exec/command-runner';
import { TcDriver } from './tc-driver';
import { addClientAddress, createTestNet, expectShaped, hostState, iface, iperf, peer, type TcTestNet } from './tc-netns.testutil';

// Real kernel test: the driver shapes a veth standing in for a WireGuard interface, inside
// throw-away namespaces, and iperf3 checks the shaping is accurate in both directions.

jest.setTimeout(120_000);

const classIds = async (net: TcTestNet, dev: string): Promise<string[]> => {
  const out = await net.inHost('tc', ['class', 'show', 'dev', dev]);
  return [...out.matchAll(/^class htb (\S+)/gm)].map((m) => m[1] as string).sort();
};

const filterHandles = async (net: TcTestNet, dev: string): Promise<string[]> => {
  const out = await net.inHost('tc', ['filter', 'show', 'dev', dev]);
  return [...out.matchAll(/fh (\S+:\S*:\S+) order \d+ key ht \S+ bkt \S+ \*?flowid/gm)].map((m) => m[1] as string).sort();
};

describe('TcDriver in network namespaces', () => {
  let net: TcTestNet;
  let driver: TcDriver;
  let state: HostDesiredState;

  const A = '100.64.7.2';
  const B = '100.64.7.3';
  const C = '100.64.7.4';
  const D = '100.64.7.5';

  beforeAll(async () => {
    net = await createTestNet({ thirdOctet: 7, prefix: 24 });
    for (const a of [A, B, C, D]) await addClientAddress(net, a);
    // Foreign objects the driver must not touch: a dummy with its own root qdisc, and an IFB
    // without our alias.
    await net.inHost('ip', ['link', 'add', 'fgn0', 'type', 'veth', 'peer', 'name', 'fgn1']);
    await net.inHost('tc', ['qdisc', 'add', 'dev', 'fgn0', 'root', 'handle', '7:', 'tbf', 'rate', '1mbit', 'burst', '10k', 'latency', '50ms']);
    await net.inHost('ip', ['link', 'add', 'fgnifb', 'type', 'ifb']);
    driver = new TcDriver(new ProcessCommandRunner({ netns: net.host }));
  });

  afterAll(async () => {
    await net?.destroy();
  });

  it('full apply builds classes and hashed filters; unlimited peers get no class', async () => {
    state = hostState(1, [
      iface('vh', net.cidr, [
        peer('a', A, 2, 8000, 8000),
        peer('b', B, 3, 0, 0),
        peer('c', C, 4, 20000, 20000),
        peer('d', D, 5, 1000, 0, false),
      ]),
    ]);
    await driver.applyFull(state);
    expect(await classIds(net, 'vh-d0')).toEqual(['1:2', '1:4', '1:5', '1:ffff']);
    expect(await classIds(net, 'vh-u0')).toEqual(['1:2', '1:4', '1:ffff']);
    expect(await filterHandles(net, 'vh-d0')).toEqual(['107:2:1', '107:4:1', '107:5:1']);
    expect(await filterHandles(net, 'vh-u0')).toEqual(['107:2:1', '107:4:1']);
    const report = await driver.report(state);
    const d0 = report.interfaces[0]?.devices.find((d) => d.device === 'vh-d0');
    expect(d0?.qdisc?.kind).toBe('htb');
    expect(d0?.classes.find((c) => c.minor === 2)).toMatchObject({ peerId: 'a', rateBits: 8_000_000 });
  });

  it('shapes download and upload within ±20% (8 and 20 Mbit/s)', async () => {
    expectShaped(await iperf(net, A, 'down'), 8000);
    expectShaped(await iperf(net, A, 'up'), 8000);
    expectShaped(await iperf(net, C, 'down'), 20000);
    expectShaped(await iperf(net, C, 'up'), 20000);
    // The report sees the traffic in the right peer's class.
    const report = await driver.report(state);
    const up = report.interfaces[0]?.devices.find((d) => d.device === 'vh-u0');
    expect(up?.classes.find((c) => c.peerId === 'a')?.bytes).toBeGreaterThan(1_000_000);
  });

  it('unlimited peer passes unshaped through the default class', async () => {
    const bps = await iperf(net, B, 'down', 2);
    expect(bps).toBeGreaterThan(100e6);
  });

  it('applyDiff changes a rate in place and the new rate holds', async () => {
    const next = hostState(2, [
      iface('vh', net.cidr, [
        peer('a', A, 2, 20000, 12000),
        state.interfaces[0]!.peers[1]!,
        state.interfaces[0]!.peers[2]!,
        state.interfaces[0]!.peers[3]!,
      ]),
    ]);
    // keep keys identical so only the bandwidth differs
    next.interfaces[0]!.peers[0]!.publicKey = state.interfaces[0]!.peers[0]!.publicKey;
    const diff = diffHostStates(state, next);
    expect(diff.changedInterfaces[0]?.changedPeers).toHaveLength(1);
    await driver.applyDiff(state, next, diff);
    state = next;
    expectShaped(await iperf(net, A, 'down'), 20000);
    expectShaped(await iperf(net, A, 'up'), 12000);
  });

  it('applyDiff removing a peer deletes its classes and filters; adding brings them back', async () => {
    const without = hostState(3, [{ ...state.interfaces[0]!, peers: state.interfaces[0]!.peers.filter((p) => p.id !== 'c') }]);
    await driver.applyDiff(state, without, diffHostStates(state, without));
    expect(await classIds(net, 'vh-d0')).toEqual(['1:2', '1:5', '1:ffff']);
    expect(await classIds(net, 'vh-u0')).toEqual(['1:2', '1:ffff']);
    expect(await filterHandles(net, 'vh-d0')).toEqual(['107:2:1', '107:5:1']);
    expect(await filterHandles(net, 'vh-u0')).toEqual(['107:2:1']);

    // Limiting the unlimited peer B in one direction only.
    const limitedB = hostState(4, [
      { ...without.interfaces[0]!, peers: without.interfaces[0]!.peers.map((p) => (p.id === 'b' ? { ...p, bandwidth: { downloadKbit: 0, uploadKbit: 5000 } } : p)) },
    ]);
    await driver.applyDiff(without, limitedB, diffHostStates(without, limitedB));
    expect(await classIds(net, 'vh-d0')).toEqual(['1:2', '1:5', '1:ffff']);
    expect(await classIds(net, 'vh-u0')).toEqual(['1:2', '1:3', '1:ffff']);
    expect(await filterHandles(net, 'vh-u0')).toEqual(['107:2:1', '107:3:1']);
    state = limitedB;
  });

  it('re-applying the same state in full is harmless and converges hand edits', async () => {
    await net.inHost('tc', ['class', 'change', 'dev', 'vh-d0', 'parent', '1:', 'classid', '1:2', 'htb', 'rate', '1mbit']);
    await net.inHost('tc', ['class', 'add', 'dev', 'vh-d0', 'parent', '1:', 'classid', '1:99', 'htb', 'rate', '1mbit']);
    await driver.applyFull(state);
    await driver.applyFull(state);
    expect(await classIds(net, 'vh-d0')).toEqual(['1:2', '1:5', '1:ffff']);
    const report = await driver.report(state);
    expect(report.interfaces[0]?.devices.find((d) => d.device === 'vh-d0')?.classes.find((c) => c.minor === 2)?.rateBits).toBe(20_000_000);
    expect(await driver.detectDrift(state)).toEqual([]);
    expectShaped(await iperf(net, A, 'down', 2), 20000);
  });

  it('spreads peers over several IFB devices per direction and dispatches by address', async () => {
    const many = new TcDriver(new ProcessCommandRunner({ netns: net.host }), { classesPerDevice: 1 });
    await many.applyFull(state); // 2 download classes → 2 devices; 2 upload classes → 2 devices
    const links = await net.inHost('ip', ['-br', 'link', 'show', 'type', 'ifb']);
    expect(links).toMatch(/vh-d1/);
    expect(links).toMatch(/vh-u1/);
    // A (.2) hashes to shard 0, D (.5) to shard 1.
    expect(await classIds(net, 'vh-d0')).toEqual(['1:2', '1:ffff']);
    expect(await classIds(net, 'vh-d1')).toEqual(['1:5', '1:ffff']);
    expectShaped(await iperf(net, A, 'down', 2), 20000);
    const r = await many.report(state);
    const d0 = r.interfaces[0]!.devices.find((d) => d.device === 'vh-d0')!;
    expect(d0.classes.find((c) => c.minor === 2)!.bytes).toBeGreaterThan(1_000_000);
    // Back to one device per direction: the extra devices go away.
    await driver.applyFull(state);
    const after = await net.inHost('ip', ['-br', 'link', 'show', 'type', 'ifb']);
    expect(after).not.toMatch(/vh-d1/);
    expect(after).not.toMatch(/vh-u1/);
  });

  it('never touched foreign devices and removes everything it owns', async () => {
    expect(await net.inHost('tc', ['qdisc', 'show', 'dev', 'fgn0'])).toMatch(/qdisc tbf 7: root/);
    await driver.applyFull(hostState(9, []));
    const ifbs = await net.inHost('ip', ['-br', 'link', 'show', 'type', 'ifb']);
    expect(ifbs).toMatch(/fgnifb/);
    expect(ifbs).not.toMatch(/vh-/);
    expect(await net.inHost('tc', ['filter', 'show', 'dev', 'vh', 'egress'])).not.toMatch(/pref 4242/);
    expect(await net.inHost('tc', ['qdisc', 'show', 'dev', 'fgn0'])).toMatch(/qdisc tbf 7: root/);
  });
});

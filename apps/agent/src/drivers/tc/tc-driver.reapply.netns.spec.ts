import type { HostDesiredState } from '@wgfleet/domain';
import { ProcessCommandRunner } from '../../exec/command-runner';
import { RecordingRunner } from '../../exec/recording-runner.testutil';
import { TcDriver } from './tc-driver';
import { addClientAddress, createTestNet, expectShaped, hostState, iface, iperf, peer, type TcTestNet } from './tc-netns.testutil';

// Real kernel test of the full apply on a host that is already shaped: every agent start, resync
// and drift repair runs one. A converged device must be left alone (same classes, counters not
// reset, no batch at all); a hand-edited one repaired in place, touching only that device.

jest.setTimeout(120_000);

// Two peers per device, so four shaped peers spread over two devices per direction:
// .2/.4 → shard 0, .3/.5 → shard 1.
const PER_DEVICE = 2;
const DEVICES = ['vh-d0', 'vh-d1', 'vh-u0', 'vh-u1'];

interface DeviceSnapshot {
  /** `tc class show` + `tc filter show`: configuration without counters. */
  config: string;
  /** classid → packets sent through it. */
  packets: Map<string, number>;
}

async function snapshot(net: TcTestNet): Promise<Map<string, DeviceSnapshot>> {
  const out = new Map<string, DeviceSnapshot>();
  for (const dev of DEVICES) {
    const classes = await net.inHost('tc', ['class', 'show', 'dev', dev]);
    const filters = await net.inHost('tc', ['filter', 'show', 'dev', dev]);
    const stats = await net.inHost('tc', ['-s', 'class', 'show', 'dev', dev]);
    const packets = new Map([...stats.matchAll(/^class htb (\S+)[^\n]*\n Sent \d+ bytes (\d+) pkt/gm)].map((m) => [m[1] as string, Number(m[2])]));
    out.set(dev, { config: `${classes}\n${filters}`, packets });
  }
  return out;
}

/** Device names a batch line addresses. */
const devicesIn = (lines: string[]): string[] => [...new Set(lines.map((l) => / dev (\S+)/.exec(l)?.[1] ?? '?'))].sort();

describe('TcDriver full re-apply on a shaped host', () => {
  let net: TcTestNet;
  let state: HostDesiredState;
  let converged: Map<string, DeviceSnapshot>;
  const addresses = ['100.64.9.2', '100.64.9.3', '100.64.9.4', '100.64.9.5'];

  /** A fresh driver (a new agent process: no memory of the layout) recording what it runs. */
  const freshApply = async (): Promise<RecordingRunner> => {
    const recorder = new RecordingRunner(new ProcessCommandRunner({ netns: net.host }));
    await new TcDriver(recorder, { classesPerDevice: PER_DEVICE }).applyFull(state);
    // Whatever is not a batch only reads.
    expect(recorder.commands.filter((c) => c.stdin === '' && !/ show( |$)/.test(c.line))).toEqual([]);
    return recorder;
  };

  beforeAll(async () => {
    net = await createTestNet({ thirdOctet: 9, prefix: 24 });
    for (const a of addresses) await addClientAddress(net, a);
    state = hostState(1, [
      iface('vh', net.cidr, [
        peer('a', '100.64.9.2', 2, 8000, 8000),
        peer('b', '100.64.9.3', 3, 10000, 6000),
        peer('c', '100.64.9.4', 4, 20000, 20000),
        peer('d', '100.64.9.5', 5, 4000, 4000),
        peer('e', '100.64.9.6', 6, 0, 0),
      ]),
    ]);
    await new TcDriver(new ProcessCommandRunner({ netns: net.host }), { classesPerDevice: PER_DEVICE }).applyFull(state);
    // Traffic through every peer class, both ways, so counters have something to lose.
    for (const a of addresses) {
      await net.inHost('ping', ['-c', '5', '-i', '0.01', '-q', a]);
      await net.inClient('ping', ['-c', '5', '-i', '0.01', '-q', '-I', a, '100.64.9.1']);
    }
    converged = await snapshot(net);
  });

  afterAll(async () => {
    await net?.destroy();
  });

  it('leaves converged devices and the dispatch alone: no batch, counters kept', async () => {
    // Every device carried traffic in its peer classes, so a reset would show.
    for (const dev of DEVICES) {
      const peerPackets = [...(converged.get(dev)?.packets ?? [])].filter(([classid]) => classid !== '1:ffff').map(([, n]) => n);
      expect(Math.min(...peerPackets)).toBeGreaterThan(0);
    }
    const recorder = await freshApply();
    expect(recorder.batchLines()).toEqual([]);
    const after = await snapshot(net);
    for (const dev of DEVICES) {
      const before = converged.get(dev) as DeviceSnapshot;
      const now = after.get(dev) as DeviceSnapshot;
      expect(now.config).toBe(before.config);
      for (const [classid, packets] of before.packets) expect(now.packets.get(classid)).toBeGreaterThanOrEqual(packets);
    }
    expectShaped(await iperf(net, '100.64.9.2', 'down', 2), 8000);
  });

  it('repairs hand edits in place, on the edited devices only', async () => {
    const before = await snapshot(net);
    // vh-d0: a rate changed; vh-d1: a peer's class deleted (its filter first, or the kernel refuses);
    // vh-u1: a filter removed. vh-u0 stays as it is.
    await net.inHost('tc', ['class', 'change', 'dev', 'vh-d0', 'parent', '1:', 'classid', '1:2', 'htb', 'rate', '1mbit']);
    await net.inHost('tc', ['filter', 'del', 'dev', 'vh-d1', 'parent', '1:', 'prio', '10', 'protocol', 'ip', 'handle', '109:5:1', 'u32']);
    await net.inHost('tc', ['class', 'del', 'dev', 'vh-d1', 'classid', '1:5']);
    await net.inHost('tc', ['filter', 'del', 'dev', 'vh-u1', 'parent', '1:', 'prio', '10', 'protocol', 'ip', 'handle', '109:3:1', 'u32']);

    const recorder = await freshApply();
    const lines = recorder.batchLines();
    expect(devicesIn(lines)).toEqual(['vh-d0', 'vh-d1', 'vh-u1']);
    expect(lines.filter((l) => /^qdisc /.test(l))).toEqual([]);

    const after = await snapshot(net);
    for (const dev of DEVICES) expect(after.get(dev)?.config).toBe(converged.get(dev)?.config);
    // Untouched device, and untouched classes on repaired ones, keep their counters.
    const kept = (dev: string, classid: string): void =>
      expect(after.get(dev)?.packets.get(classid)).toBeGreaterThanOrEqual(before.get(dev)?.packets.get(classid) ?? Infinity);
    kept('vh-u0', '1:2');
    kept('vh-u0', '1:4');
    kept('vh-d0', '1:4');
    kept('vh-u1', '1:5');
    expect((await freshApply()).batchLines()).toEqual([]);
    expectShaped(await iperf(net, '100.64.9.2', 'down', 2), 8000);
    expectShaped(await iperf(net, '100.64.9.5', 'down', 2), 4000);
    expectShaped(await iperf(net, '100.64.9.3', 'up', 2), 6000);
  });

  it('rebuilds only a device whose skeleton is gone, and a removed dispatch', async () => {
    await net.inHost('tc', ['qdisc', 'del', 'dev', 'vh-u0', 'root']);
    await net.inHost('tc', ['filter', 'del', 'dev', 'vh', 'egress', 'pref', '4242']);
    const lines = (await freshApply()).batchLines();
    expect(devicesIn(lines)).toEqual(['vh', 'vh-u0']);
    const after = await snapshot(net);
    for (const dev of DEVICES) expect(after.get(dev)?.config).toBe(converged.get(dev)?.config);
    expect((await freshApply()).batchLines()).toEqual([]);
    expectShaped(await iperf(net, '100.64.9.4', 'down', 2), 20000);
    expectShaped(await iperf(net, '100.64.9.4', 'up', 2), 20000);
  });
});

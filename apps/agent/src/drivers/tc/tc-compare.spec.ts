import { ipv4ToInt } from '@wgfleet/domain';
import { compareDevice, dispatchMatches, type DeviceState } from './tc-compare';
import { devicesFor, subnetOf, type IfbDevice, type ShapedPeer } from './tc-layout';
import { iface } from './tc-netns.testutil';
import { parseHtbClasses, parseRootQdiscs, parseSize, parseU32Filters } from './tc-state';

// What iproute2 6.1 prints for a converged device: vh-d0, subnet 100.64.7.0/24, one peer
// 100.64.7.2 (shapingId 2, 8 Mbit/s).
const QDISC = '[{"kind":"htb","handle":"1:","dev":"vh-d0","root":true,"refcnt":2,"options":{"r2q":10,"default":"0xffff","direct_packets_stat":0,"direct_qlen":32}}]';
const CLASSES = [
  'class htb 1:ffff root prio 0 quantum 200000 rate 100Gbit ceil 100Gbit linklayer ethernet burst 4000000b/1 mpu 0b cburst 4000000b/1 mpu 0b level 0 ',
  'class htb 1:2 root prio 0 quantum 8000 rate 8Mbit ceil 8Mbit linklayer ethernet burst 20000b/1 mpu 0b cburst 20000b/1 mpu 0b level 0 ',
].join('\n');
const u32 = (options: object): object => ({ parent: '1:', protocol: 'ip', pref: 10, kind: 'u32', chain: 0, options });
const FILTERS = (leaves: object[]): string =>
  JSON.stringify([
    { parent: '1:', protocol: 'ip', pref: 10, kind: 'u32', chain: 0 },
    u32({ fh: '107:', ht_divisor: 256 }),
    ...leaves,
    u32({ fh: '1:', ht_divisor: 256 }),
    u32({ fh: '1:7:800', order: 2048, key_ht: '1', bkt: '7', link: '107:', match: { value: '0', mask: '0', offmask: '', off: 0 }, hash_mask: 'ff', hash_off: 16 }),
    u32({ fh: '800:', ht_divisor: 1 }),
    u32({ fh: '800::800', order: 2048, key_ht: '800', bkt: '0', link: '1:', match: { value: '64400700', mask: 'ffffff00', offmask: '', off: 16 }, hash_mask: 'ff00', hash_off: 16 }),
  ]);
const leaf = (fh: string, bkt: string, value: string, flowid: string): object =>
  u32({ fh, order: 1, key_ht: '107', bkt, flowid, match: { value, mask: 'ffffffff', offmask: '', off: 16 } });
const LEAF_A = leaf('107:2:1', '2', '64400702', '1:2');

const dev: IfbDevice = { name: 'vh-d0', ifname: 'vh', direction: 'down', shard: 0 };
const subnet = subnetOf(iface('vh', '100.64.7.1/24', []));
const A: ShapedPeer = { peerId: 'a', shapingId: 2, address: ipv4ToInt('100.64.7.2'), rateKbit: 8000 };
const state = (over: Partial<{ qdisc: string; classes: string; filters: string }> = {}): DeviceState => ({
  qdisc: parseRootQdiscs(over.qdisc ?? QDISC).get('vh-d0') ?? null,
  classes: parseHtbClasses(over.classes ?? CLASSES),
  filters: parseU32Filters([over.filters ?? FILTERS([LEAF_A])], 10),
});

describe('tc state parsing', () => {
  it('reads sizes in tc units and HTB classes with their parameters', () => {
    expect(parseSize('16Kb')).toBe(16384);
    expect(parseSize('2Mb')).toBe(2 * 1024 * 1024);
    expect(parseSize('20000b')).toBe(20000);
    expect(parseSize('x')).toBeNull();
    expect(parseHtbClasses(CLASSES)[1]).toEqual({
      minor: 2,
      atRoot: true,
      hasLeafQdisc: false,
      spec: { rateBits: 8e6, ceilBits: 8e6, burst: 20000, cburst: 20000, quantum: 8000 },
    });
    expect(parseRootQdiscs(QDISC)).toEqual(new Map([['vh-d0', { kind: 'htb', handle: '1:', defaultMinor: 0xffff }]]));
  });

  it('spells filter handles the way the driver writes them', () => {
    const d = parseU32Filters([FILTERS([leaf('107::1', '0', '64400700', '1:9')])], 10);
    expect(d.nodes.find((n) => n.flowid === '1:9')?.handle).toBe('107:0:1');
    expect(parseU32Filters(['not json'], 10).foreign).toBe(1);
  });
});

describe('compareDevice', () => {
  it('a converged device matches and reports its level-2 tables', () => {
    expect(compareDevice(dev, subnet, [A], state())).toEqual({ kind: 'match', tables: new Set([0x107]) });
  });

  it('repairs peer objects in place: a changed rate, a stray class and its filter, a missing filter', () => {
    const slow = CLASSES.replace(/rate 8Mbit ceil 8Mbit/, 'rate 1Mbit ceil 1Mbit');
    expect(compareDevice(dev, subnet, [A], state({ classes: slow }))).toMatchObject({
      kind: 'repair',
      lines: ['class change dev vh-d0 parent 1: classid 1:2 htb rate 8000kbit ceil 8000kbit burst 20000 cburst 20000 quantum 8000'],
    });
    const stray = state({
      classes: `${CLASSES}\nclass htb 1:9 root prio 0 quantum 8000 rate 1Mbit ceil 1Mbit linklayer ethernet burst 16Kb/1 mpu 0b cburst 16Kb/1 mpu 0b level 0 `,
      filters: FILTERS([LEAF_A, leaf('107:9:1', '9', '64400709', '1:9')]),
    });
    expect(compareDevice(dev, subnet, [A], stray)).toMatchObject({
      kind: 'repair',
      lines: ['filter del dev vh-d0 parent 1: prio 10 protocol ip handle 107:9:1 u32', 'class del dev vh-d0 classid 1:9'],
    });
    expect(compareDevice(dev, subnet, [A], state({ filters: FILTERS([]) }))).toMatchObject({
      kind: 'repair',
      lines: ['filter add dev vh-d0 parent 1: prio 10 protocol ip handle 107:2:1 u32 ht 107:2: match ip dst 100.64.7.2/32 flowid 1:2'],
    });
  });

  it('creates a missing level-2 table and its link before the filter that needs it', () => {
    const B: ShapedPeer = { peerId: 'b', shapingId: 3, address: ipv4ToInt('100.64.8.3'), rateKbit: 8000 };
    const wide = subnetOf(iface('vh', '100.64.0.1/16', []));
    const filters = FILTERS([LEAF_A]).replace('"64400700","mask":"ffffff00"', '"64400000","mask":"ffff0000"');
    const v = compareDevice(dev, wide, [A, B], state({ filters, classes: `${CLASSES}\n${CLASSES.split('\n')[1]!.replace('1:2 ', '1:3 ')}` }));
    expect(v).toMatchObject({ kind: 'repair', tables: new Set([0x107, 0x108]) });
    expect(v.kind === 'repair' && v.lines.map((l) => l.replace(/ dev vh-d0 parent 1: prio 10 protocol ip/, ''))).toEqual([
      'filter add handle 108: u32 divisor 256',
      'filter add u32 ht 1:8: match u32 0 0 link 108: hashkey mask 0x000000ff at 16',
      'filter add handle 108:3:1 u32 ht 108:3: match ip dst 100.64.8.3/32 flowid 1:3',
    ]);
  });

  it('asks for a rebuild when the skeleton differs', () => {
    expect(compareDevice(dev, subnet, [A], state({ qdisc: QDISC.replace('0xffff', '0x2') })).kind).toBe('rebuild');
    expect(compareDevice(dev, subnet, [A], state({ qdisc: '[]' })).kind).toBe('rebuild');
    expect(compareDevice(dev, subnet, [A], state({ classes: CLASSES.replace('1:2 root', '1:2 parent 1:ffff') })).kind).toBe('rebuild');
    expect(compareDevice(dev, subnet, [A], state({ filters: FILTERS([LEAF_A]).replace('"hash_mask":"ff00"', '"hash_mask":"ff"') })).kind).toBe('rebuild');
    expect(compareDevice(dev, subnet, [A], state({ filters: FILTERS([LEAF_A]).replace('"pref":10', '"pref":11') })).kind).toBe('rebuild');
  });
});

describe('dispatchMatches', () => {
  // `tc -j filter show dev vh egress pref 4242` of two devices per direction (each hook's dump
  // lists both: clsact's hooks share one u32 table space).
  const DUMP = "[{\"protocol\":\"ip\",\"kind\":\"u32\",\"chain\":0},{\"protocol\":\"ip\",\"kind\":\"u32\",\"chain\":0,\"options\":{\"fh\":\"2:\",\"ht_divisor\":2}},{\"protocol\":\"ip\",\"kind\":\"u32\",\"chain\":0,\"options\":{\"fh\":\"2::800\",\"order\":2048,\"key_ht\":\"2\",\"bkt\":\"0\",\"not_in_hw\":true,\"match\":{\"value\":\"0\",\"mask\":\"0\",\"offmask\":\"\",\"off\":0},\"actions\":[{\"order\":1,\"kind\":\"mirred\",\"mirred_action\":\"redirect\",\"direction\":\"egress\",\"to_dev\":\"vh-u0\",\"control_action\":{\"type\":\"stolen\"},\"index\":3,\"ref\":1,\"bind\":1}]}},{\"protocol\":\"ip\",\"kind\":\"u32\",\"chain\":0,\"options\":{\"fh\":\"2:1:800\",\"order\":2048,\"key_ht\":\"2\",\"bkt\":\"1\",\"not_in_hw\":true,\"match\":{\"value\":\"0\",\"mask\":\"0\",\"offmask\":\"\",\"off\":0},\"actions\":[{\"order\":1,\"kind\":\"mirred\",\"mirred_action\":\"redirect\",\"direction\":\"egress\",\"to_dev\":\"vh-u1\",\"control_action\":{\"type\":\"stolen\"},\"index\":4,\"ref\":1,\"bind\":1}]}},{\"protocol\":\"ip\",\"kind\":\"u32\",\"chain\":0,\"options\":{\"fh\":\"801:\",\"ht_divisor\":1}},{\"protocol\":\"ip\",\"kind\":\"u32\",\"chain\":0,\"options\":{\"fh\":\"801::800\",\"order\":2048,\"key_ht\":\"801\",\"bkt\":\"0\",\"link\":\"2:\",\"not_in_hw\":true,\"match\":{\"value\":\"64400900\",\"mask\":\"ffffff00\",\"offmask\":\"\",\"off\":12},\"hash_mask\":\"1\",\"hash_off\":12}},{\"protocol\":\"ip\",\"kind\":\"u32\",\"chain\":0,\"options\":{\"fh\":\"1:\",\"ht_divisor\":2}},{\"protocol\":\"ip\",\"kind\":\"u32\",\"chain\":0,\"options\":{\"fh\":\"1::800\",\"order\":2048,\"key_ht\":\"1\",\"bkt\":\"0\",\"not_in_hw\":true,\"match\":{\"value\":\"0\",\"mask\":\"0\",\"offmask\":\"\",\"off\":0},\"actions\":[{\"order\":1,\"kind\":\"mirred\",\"mirred_action\":\"redirect\",\"direction\":\"egress\",\"to_dev\":\"vh-d0\",\"control_action\":{\"type\":\"stolen\"},\"index\":1,\"ref\":1,\"bind\":1}]}},{\"protocol\":\"ip\",\"kind\":\"u32\",\"chain\":0,\"options\":{\"fh\":\"1:1:800\",\"order\":2048,\"key_ht\":\"1\",\"bkt\":\"1\",\"not_in_hw\":true,\"match\":{\"value\":\"0\",\"mask\":\"0\",\"offmask\":\"\",\"off\":0},\"actions\":[{\"order\":1,\"kind\":\"mirred\",\"mirred_action\":\"redirect\",\"direction\":\"egress\",\"to_dev\":\"vh-d1\",\"control_action\":{\"type\":\"stolen\"},\"index\":2,\"ref\":1,\"bind\":1}]}},{\"protocol\":\"ip\",\"kind\":\"u32\",\"chain\":0,\"options\":{\"fh\":\"800:\",\"ht_divisor\":1}},{\"protocol\":\"ip\",\"kind\":\"u32\",\"chain\":0,\"options\":{\"fh\":\"800::800\",\"order\":2048,\"key_ht\":\"800\",\"bkt\":\"0\",\"link\":\"1:\",\"not_in_hw\":true,\"match\":{\"value\":\"64400900\",\"mask\":\"ffffff00\",\"offmask\":\"\",\"off\":16},\"hash_mask\":\"1\",\"hash_off\":16}}]";
  const wanted = devicesFor('vh', { down: 2, up: 2 });
  const s = subnetOf(iface('vh', '100.64.9.1/24', []));

  it('accepts exactly the planned dispatch, whatever handles the kernel chose', () => {
    expect(dispatchMatches(s, wanted, parseU32Filters([DUMP, DUMP], 4242))).toBe(true);
  });

  it('rejects other devices, another subnet, a missing hook and foreign filters', () => {
    expect(dispatchMatches(s, devicesFor('vh', { down: 1, up: 2 }), parseU32Filters([DUMP], 4242))).toBe(false);
    expect(dispatchMatches(subnetOf(iface('vh', '100.64.8.1/24', [])), wanted, parseU32Filters([DUMP], 4242))).toBe(false);
    expect(dispatchMatches(s, wanted, parseU32Filters([''], 4242))).toBe(false);
    expect(dispatchMatches(s, [], parseU32Filters([''], 4242))).toBe(true);
    expect(dispatchMatches(s, wanted, parseU32Filters([DUMP.replace('"kind":"u32"', '"kind":"bpf"')], 4242))).toBe(false);
  });
});

import { ipv4ToInt, type PeerState } from '@wgfleet/domain';
import { buildDeviceBatch, buildDispatchBatch, htbClassParams } from './tc-batch';
import { aliasFor, deviceName, devicesFor, parseAlias, peerFilterHandle, shardCount, shardOf, subnetOf, type IfbDevice, type ShapedPeer } from './tc-layout';
import { planPeerChanges, type IfaceLayoutMemory } from './tc-plan';
import { parseBits, parseClassShow, parseRootQdisc } from './tc-report';
import { iface, peer } from './tc-netns.testutil';

const sp = (address: string, shapingId: number, rateKbit: number): ShapedPeer => ({ peerId: `p${shapingId}`, shapingId, address: ipv4ToInt(address), rateKbit });

describe('tc layout', () => {
  it('derives short deterministic device names within IFNAMSIZ', () => {
    expect(deviceName('wg0', 'down', 0)).toBe('wg0-d0');
    expect(deviceName('wg0', 'up', 63)).toBe('wg0-u63');
    const long = deviceName('customer-vpn-01', 'down', 12);
    expect(long).toMatch(/^wgt[0-9a-f]{6}-d12$/);
    expect(long.length).toBeLessThanOrEqual(15);
    expect(deviceName('customer-vpn-01', 'down', 12)).toBe(long);
    expect(deviceName('customer-vpn-02', 'down', 12)).not.toBe(long);
  });

  it('round-trips the ownership alias and rejects foreign ones', () => {
    const dev = { ifname: 'wg.x=1', direction: 'up' as const, shard: 3 };
    expect(parseAlias(aliasFor(dev))).toEqual(dev);
    expect(parseAlias('something else')).toBeNull();
    expect(parseAlias(undefined)).toBeNull();
  });

  it('chooses a power-of-two shard count from the class count', () => {
    expect(shardCount(0)).toBe(0);
    expect(shardCount(1)).toBe(1);
    expect(shardCount(800)).toBe(1);
    expect(shardCount(801)).toBe(2);
    expect(shardCount(10_000)).toBe(16);
    expect(shardCount(50_000)).toBe(64);
    expect(shardCount(1_000_000)).toBe(64);
  });

  it('shards by the low bits of the address and derives stable filter handles', () => {
    expect(shardOf(ipv4ToInt('100.64.3.7'), 4)).toBe(3);
    expect(shardOf(ipv4ToInt('100.64.3.7'), 1)).toBe(0);
    expect(peerFilterHandle(ipv4ToInt('100.64.3.7'))).toBe('103:7:1');
    expect(peerFilterHandle(ipv4ToInt('100.64.255.254'))).toBe('1ff:fe:1');
  });
});

describe('tc batch builder', () => {
  const subnet = subnetOf(iface('wg0', '100.64.0.1/16', []));
  const dev: IfbDevice = { name: 'wg0-d0', ifname: 'wg0', direction: 'down', shard: 0 };

  it('HTB parameters: rate = ceil, burst ≥ 16 KiB and ≥ 20 ms of the rate', () => {
    expect(htbClassParams(8000)).toBe('rate 8000kbit ceil 8000kbit burst 20000 cburst 20000 quantum 8000');
    expect(htbClassParams(1000)).toBe('rate 1000kbit ceil 1000kbit burst 16384 cburst 16384 quantum 8000');
    expect(() => htbClassParams(0)).toThrow();
  });

  it('builds a device from scratch: fresh root, default class, classes, two-level hash, filters', () => {
    const { lines, tables } = buildDeviceBatch(dev, subnet, [sp('100.64.0.2', 2, 8000), sp('100.64.1.3', 259, 20000), sp('100.64.1.4', 260, 1000)]);
    expect(lines).toEqual([
      'qdisc replace dev wg0-d0 root handle 2: pfifo limit 1000',
      'qdisc replace dev wg0-d0 root handle 1: htb default ffff',
      'class add dev wg0-d0 parent 1: classid 1:ffff htb rate 100gbit ceil 100gbit burst 4000000 cburst 4000000 quantum 200000',
      'class add dev wg0-d0 parent 1: classid 1:2 htb rate 8000kbit ceil 8000kbit burst 20000 cburst 20000 quantum 8000',
      'class add dev wg0-d0 parent 1: classid 1:103 htb rate 20000kbit ceil 20000kbit burst 50000 cburst 50000 quantum 8000',
      'class add dev wg0-d0 parent 1: classid 1:104 htb rate 1000kbit ceil 1000kbit burst 16384 cburst 16384 quantum 8000',
      'filter add dev wg0-d0 parent 1: prio 10 protocol ip handle 1: u32 divisor 256',
      'filter add dev wg0-d0 parent 1: prio 10 protocol ip handle 100: u32 divisor 256',
      'filter add dev wg0-d0 parent 1: prio 10 protocol ip u32 ht 1:0: match u32 0 0 link 100: hashkey mask 0x000000ff at 16',
      'filter add dev wg0-d0 parent 1: prio 10 protocol ip handle 101: u32 divisor 256',
      'filter add dev wg0-d0 parent 1: prio 10 protocol ip u32 ht 1:1: match u32 0 0 link 101: hashkey mask 0x000000ff at 16',
      'filter add dev wg0-d0 parent 1: prio 10 protocol ip u32 ht 800:: match ip dst 100.64.0.0/16 link 1: hashkey mask 0x0000ff00 at 16',
      'filter add dev wg0-d0 parent 1: prio 10 protocol ip handle 100:2:1 u32 ht 100:2: match ip dst 100.64.0.2/32 flowid 1:2',
      'filter add dev wg0-d0 parent 1: prio 10 protocol ip handle 101:3:1 u32 ht 101:3: match ip dst 100.64.1.3/32 flowid 1:103',
      'filter add dev wg0-d0 parent 1: prio 10 protocol ip handle 101:4:1 u32 ht 101:4: match ip dst 100.64.1.4/32 flowid 1:104',
    ]);
    expect([...tables]).toEqual([0x100, 0x101]);
  });

  it('classifies upload by source address at offset 12', () => {
    const up: IfbDevice = { ...dev, name: 'wg0-u0', direction: 'up' };
    const { lines } = buildDeviceBatch(up, subnet, [sp('100.64.0.2', 2, 8000)]);
    expect(lines).toContain('filter add dev wg0-u0 parent 1: prio 10 protocol ip u32 ht 800:: match ip src 100.64.0.0/16 link 1: hashkey mask 0x0000ff00 at 12');
    expect(lines).toContain('filter add dev wg0-u0 parent 1: prio 10 protocol ip handle 100:2:1 u32 ht 100:2: match ip src 100.64.0.2/32 flowid 1:2');
  });

  it('dispatch: one redirect per direction for one shard, a hash for several', () => {
    expect(buildDispatchBatch('wg0', subnet, devicesFor('wg0', { down: 1, up: 0 }), { hasClsact: false, egress: false, ingress: false })).toEqual([
      'qdisc add dev wg0 clsact',
      'filter add dev wg0 egress prio 4242 protocol ip u32 match ip dst 100.64.0.0/16 action mirred egress redirect dev wg0-d0',
    ]);
    const lines = buildDispatchBatch('wg0', subnet, devicesFor('wg0', { down: 2, up: 4 }), { hasClsact: true, egress: true, ingress: true });
    expect(lines).toEqual([
      'filter del dev wg0 egress prio 4242',
      'filter del dev wg0 ingress prio 4242',
      'filter add dev wg0 egress prio 4242 protocol ip handle 1: u32 divisor 2',
      'filter add dev wg0 egress prio 4242 protocol ip u32 ht 1:0: match u32 0 0 action mirred egress redirect dev wg0-d0',
      'filter add dev wg0 egress prio 4242 protocol ip u32 ht 1:1: match u32 0 0 action mirred egress redirect dev wg0-d1',
      'filter add dev wg0 egress prio 4242 protocol ip u32 match ip dst 100.64.0.0/16 link 1: hashkey mask 0x00000001 at 16',
      'filter add dev wg0 ingress prio 4242 protocol ip handle 2: u32 divisor 4',
      'filter add dev wg0 ingress prio 4242 protocol ip u32 ht 2:0: match u32 0 0 action mirred egress redirect dev wg0-u0',
      'filter add dev wg0 ingress prio 4242 protocol ip u32 ht 2:1: match u32 0 0 action mirred egress redirect dev wg0-u1',
      'filter add dev wg0 ingress prio 4242 protocol ip u32 ht 2:2: match u32 0 0 action mirred egress redirect dev wg0-u2',
      'filter add dev wg0 ingress prio 4242 protocol ip u32 ht 2:3: match u32 0 0 action mirred egress redirect dev wg0-u3',
      'filter add dev wg0 ingress prio 4242 protocol ip u32 match ip src 100.64.0.0/16 link 2: hashkey mask 0x00000003 at 12',
    ]);
    // Nothing wanted and nothing there: no commands at all.
    expect(buildDispatchBatch('wg0', subnet, [], { hasClsact: false, egress: false, ingress: false })).toEqual([]);
  });
});

describe('incremental plan', () => {
  const mem = (): IfaceLayoutMemory => ({
    ifaceId: 'i',
    ifname: 'wg0',
    subnetCidr: '100.64.0.0/16',
    shards: { down: 4, up: 4 },
    classes: { down: 100, up: 100 },
    tables: new Map([['wg0-d2', new Set([0x100])], ['wg0-u2', new Set([0x100])]]),
  });
  const p = (bwDown: number, bwUp: number, address = '100.64.0.6', id = 'x'): PeerState => peer(id, address, ipv4ToInt(address) & 0xffff, bwDown, bwUp);

  it('adds a peer with a class and one filter per direction, creating its level-2 table once', () => {
    const m = mem();
    const plan = planPeerChanges(m, { addedPeers: [p(8000, 4000)], removedPeers: [], changedPeers: [] });
    expect(plan.needsFull).toBe(false);
    expect(plan.lines).toEqual([
      'class add dev wg0-d2 parent 1: classid 1:6 htb rate 8000kbit ceil 8000kbit burst 20000 cburst 20000 quantum 8000',
      'filter add dev wg0-d2 parent 1: prio 10 protocol ip handle 100:6:1 u32 ht 100:6: match ip dst 100.64.0.6/32 flowid 1:6',
      'class add dev wg0-u2 parent 1: classid 1:6 htb rate 4000kbit ceil 4000kbit burst 16384 cburst 16384 quantum 8000',
      'filter add dev wg0-u2 parent 1: prio 10 protocol ip handle 100:6:1 u32 ht 100:6: match ip src 100.64.0.6/32 flowid 1:6',
    ]);
    const other = planPeerChanges(m, { addedPeers: [p(8000, 0, '100.64.9.6')], removedPeers: [], changedPeers: [] });
    expect(other.lines.slice(0, 2)).toEqual([
      'filter add dev wg0-d2 parent 1: prio 10 protocol ip handle 109: u32 divisor 256',
      'filter add dev wg0-d2 parent 1: prio 10 protocol ip u32 ht 1:9: match u32 0 0 link 109: hashkey mask 0x000000ff at 16',
    ]);
    other.commit();
    expect(m.tables.get('wg0-d2')?.has(0x109)).toBe(true);
    expect(m.classes.down).toBe(101);
  });

  it('changes a rate in place, deletes filter before class, and handles limit → unlimited', () => {
    const m = mem();
    const before = p(8000, 4000);
    expect(planPeerChanges(m, { addedPeers: [], removedPeers: [], changedPeers: [{ previous: before, next: p(9000, 4000) }] }).lines).toEqual([
      'class change dev wg0-d2 parent 1: classid 1:6 htb rate 9000kbit ceil 9000kbit burst 22500 cburst 22500 quantum 8000',
    ]);
    expect(planPeerChanges(m, { addedPeers: [], removedPeers: [before], changedPeers: [] }).lines).toEqual([
      'filter del dev wg0-d2 parent 1: prio 10 protocol ip handle 100:6:1 u32',
      'class del dev wg0-d2 classid 1:6',
      'filter del dev wg0-u2 parent 1: prio 10 protocol ip handle 100:6:1 u32',
      'class del dev wg0-u2 classid 1:6',
    ]);
    expect(planPeerChanges(m, { addedPeers: [], removedPeers: [], changedPeers: [{ previous: before, next: p(0, 4000) }] }).lines).toEqual([
      'filter del dev wg0-d2 parent 1: prio 10 protocol ip handle 100:6:1 u32',
      'class del dev wg0-d2 classid 1:6',
    ]);
  });

  it('asks for a full rebuild when a direction has no device yet or shards are overcrowded', () => {
    const m = mem();
    m.shards.up = 0;
    expect(planPeerChanges(m, { addedPeers: [p(0, 1000)], removedPeers: [], changedPeers: [] }).needsFull).toBe(true);
    const crowded = mem();
    crowded.classes.down = 4 * 2 * 800;
    expect(planPeerChanges(crowded, { addedPeers: [p(1000, 0)], removedPeers: [], changedPeers: [] }).needsFull).toBe(true);
  });
});

describe('tc report parsing', () => {
  it('parses iproute2 6.1 text output of class show', () => {
    const text = `class htb 1:2a root prio 0 rate 8Mbit ceil 8Mbit burst 20000b cburst 20000b 
 Sent 1234 bytes 5 pkt (dropped 1, overlimits 7 requeues 0) 
 backlog 3028b 2p requeues 0
 lended: 0 borrowed: 0 giants: 0
 tokens: 1562500 ctokens: 1562500

class htb 1:ffff root prio 0 rate 100Gbit ceil 100Gbit burst 4000000b cburst 4000000b 
 Sent 0 bytes 0 pkt (dropped 0, overlimits 0 requeues 0) 
 rate 12Kbit 3pps backlog 0b 0p requeues 0
`;
    expect(parseClassShow(text)).toEqual([
      { classid: '1:2a', minor: 42, rateBits: 8e6, bytes: 1234, packets: 5, drops: 1, overlimits: 7, backlogBytes: 3028, measuredRateBits: null },
      { classid: '1:ffff', minor: 0xffff, rateBits: 1e11, bytes: 0, packets: 0, drops: 0, overlimits: 0, backlogBytes: 0, measuredRateBits: 12000 },
    ]);
  });

  it('parses JSON class output of newer iproute2 and the root qdisc', () => {
    const json = JSON.stringify([{ class: 'htb', handle: '1:2', options: { rate: 1_000_000 }, stats: { bytes: 10, packets: 1, drops: 0, overlimits: 2, backlog: 0 } }]);
    expect(parseClassShow(json)[0]).toMatchObject({ classid: '1:2', minor: 2, rateBits: 8e6, bytes: 10, overlimits: 2 });
    const q = parseRootQdisc('[{"kind":"htb","handle":"1:","root":true,"bytes":5,"packets":1,"drops":0,"overlimits":0,"backlog":0}]');
    expect(q).toEqual({ kind: 'htb', handle: '1:', bytes: 5, packets: 1, drops: 0, overlimits: 0, backlogBytes: 0 });
    expect(parseBits('1500bit')).toBe(1500);
  });
});

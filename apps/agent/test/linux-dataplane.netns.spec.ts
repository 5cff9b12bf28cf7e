import { generateKeyPair, generatePresharedKey, type HostDesiredState, type InterfaceState, type PeerState } from '@wgfleet/domain';
import {
  NetnsLab,
  removeStaleLabs,
  startWhoamiServer,
  startWireguardClient,
  startWireguardGo,
  whoami,
  type Netns,
  type WireguardClient,
} from '@wgfleet/testing';
import { LinuxDataPlane } from '../src/dataplane/linux-dataplane';
import { ProcessCommandRunner } from '../src/exec/command-runner';
import { RecordingRunner } from '../src/exec/recording-runner.testutil';

// Real packets through real namespaces:
//
//   client1 (198.18.1.2) ──┐                       ┌── internet (198.18.3.2)
//   client2 (198.18.2.2) ──┴── vpn host (agent) ───┘      public address 198.18.3.1
//
// Tunnel 100.64.7.0/24: host .1, client1 .2, client2 .3. The clients route the internet
// subnet through the tunnel, so what arrives there shows the host's NAT.

jest.setTimeout(30_000);

const TUNNEL = '100.64.7';
const PUBLIC = '198.18.3.1';
const INTERNET = '198.18.3.2';

describe('LinuxDataPlane in network namespaces', () => {
  const lab = new NetnsLab();
  let host: Netns;
  let internet: Netns;
  const clients: { ns: Netns; peer: PeerState; wg: WireguardClient }[] = [];
  let wgName: string;
  let plane: LinuxDataPlane;
  let state: HostDesiredState;

  const runner = (): ProcessCommandRunner => new ProcessCommandRunner({ netns: host.name });
  const iface = (s: HostDesiredState): InterfaceState => s.interfaces[0] as InterfaceState;
  const client = (i: number): (typeof clients)[number] => clients[i] as (typeof clients)[number];
  /** The next revision of `state` with `change` applied to the interface. */
  const next = (change: (i: InterfaceState) => InterfaceState): HostDesiredState => {
    state = { ...state, revision: state.revision + 1, interfaces: [change(iface(state))] };
    return state;
  };
  const setPeer = (i: InterfaceState, id: string, patch: Partial<PeerState>): InterfaceState => ({
    ...i,
    peers: i.peers.map((p) => (p.id === id ? { ...p, ...patch } : p)),
  });
  const hostPeers = async (): Promise<Map<string, number>> => {
    const r = await plane.wireguard.report(state);
    return new Map(r.interfaces[0]?.peers.map((p) => [p.publicKey, p.latestHandshake]));
  };

  beforeAll(async () => {
    await removeStaleLabs();
    host = await lab.namespace('vpn');
    internet = await lab.namespace('inet');
    await lab.link(host, `${PUBLIC}/24`, internet, `${INTERNET}/24`);
    const hostKeys = generateKeyPair();
    wgName = lab.wgName('wg');
    const peers: PeerState[] = [];
    for (const n of [1, 2]) {
      const ns = await lab.namespace(`c${n}`);
      await lab.link(host, `198.18.${n}.1/24`, ns, `198.18.${n}.2/24`);
      const keys = generateKeyPair();
      const psk = n === 1 ? generatePresharedKey() : null;
      const peer: PeerState = {
        id: `p${n}`,
        publicKey: keys.publicKey,
        presharedKey: psk,
        address: `${TUNNEL}.${n + 1}`,
        allowedIps: [`${TUNNEL}.${n + 1}/32`],
        enabled: true,
        bandwidth: { downloadKbit: 0, uploadKbit: 0 },
        shapingId: n + 1,
      };
      peers.push(peer);
      const wg = await startWireguardClient(ns, {
        ifname: lab.wgName('cl'),
        privateKey: keys.privateKey,
        address: `${peer.address}/24`,
        peer: { publicKey: hostKeys.publicKey, presharedKey: psk, endpoint: `198.18.${n}.1:51820`, allowedIps: [`${TUNNEL}.0/24`, '198.18.3.0/24'] },
        routes: ['198.18.3.0/24'],
      });
      clients.push({ ns, peer, wg });
    }
    state = {
      hostId: 'host-1',
      revision: 1,
      publicAddress: PUBLIC,
      interfaces: [
        {
          id: 'if-1',
          name: wgName,
          address: `${TUNNEL}.1/24`,
          listenPort: 51820,
          privateKey: hostKeys.privateKey,
          mtu: null,
          nat: { enabled: true, snatAddress: null },
          internalTraffic: false,
          defaultBandwidth: { downloadKbit: 0, uploadKbit: 0 },
          peers,
          portForwards: [{ id: 'pf-1', protocol: 'tcp', port: 8080, peerAddress: `${TUNNEL}.2`, targetPort: 80 }],
        },
      ],
    };
    await startWhoamiServer(lab, internet, INTERNET, 9000);
    await startWhoamiServer(lab, client(0).ns, `${TUNNEL}.2`, 80);
    plane = new LinuxDataPlane(runner());
  });

  afterAll(async () => {
    await lab.cleanup();
  });

  it('converges a fresh host: clients reach the host through the tunnel', async () => {
    const r = await plane.apply(state);
    expect(r.mode).toBe('full');
    expect(await client(0).ns.ping(`${TUNNEL}.1`)).toBe(true);
    expect(await client(1).ns.ping(`${TUNNEL}.1`)).toBe(true);
    const report = await plane.readReport();
    expect(report.wireguard.interfaces[0]).toMatchObject({ name: wgName, present: true, up: true, mtu: 1420, addresses: [`${TUNNEL}.1/24`], listenPort: 51820 });
    expect(report.wireguard.interfaces[0]?.peers.every((p) => p.latestHandshake > 0 && p.rxBytes > 0)).toBe(true);
    expect(report.nftables.present).toBe(true);
    expect(JSON.stringify(report)).not.toContain(state.interfaces[0]?.privateKey);
    expect(JSON.stringify(report)).not.toContain(client(0).peer.presharedKey);
  });

  it('NATs client traffic to the internet behind the host public address', async () => {
    expect(await whoami(client(0).ns, INTERNET, 9000)).toBe(PUBLIC);
    expect(await whoami(client(1).ns, INTERNET, 9000)).toBe(PUBLIC);
  });

  it('forwards a public port to a TCP server on a peer', async () => {
    // The peer sees the host's tunnel address (return-path masquerade), so replies use the tunnel.
    expect(await whoami(internet, PUBLIC, 8080)).toBe(`${TUNNEL}.1`);
    const fwd = (await plane.nftables.report()).portForwards;
    expect(fwd).toEqual([expect.objectContaining({ protocol: 'tcp', port: 8080, peerAddress: `${TUNNEL}.2`, targetPort: 80 })]);
    expect(fwd[0]?.packets).toBeGreaterThan(0);
  });

  it('internal traffic off blocks client to client; on allows it', async () => {
    expect(await client(0).ns.ping(`${TUNNEL}.3`, { count: 2, deadlineS: 1 })).toBe(false);
    const r = await plane.apply(next((i) => ({ ...i, internalTraffic: true })));
    expect(r.mode).toBe('incremental');
    expect(await client(0).ns.ping(`${TUNNEL}.3`)).toBe(true);
  });

  it('a suspended peer passes no traffic at all; resuming restores it', async () => {
    const t0 = performance.now();
    const r = await plane.apply(next((i) => setPeer(i, 'p2', { enabled: false })));
    const deltaMs = performance.now() - t0;
    expect(r.mode).toBe('incremental');
    const c2 = client(1).ns;
    const [toHost, toInternet, fromPeer, fromHost] = await Promise.all([
      c2.ping(`${TUNNEL}.1`, { count: 2, deadlineS: 1 }),
      whoami(c2, INTERNET, 9000, 800),
      client(0).ns.ping(`${TUNNEL}.3`, { count: 2, deadlineS: 1 }),
      host.ping(`${TUNNEL}.3`, { count: 2, deadlineS: 1 }),
    ]);
    expect({ toHost, toInternet, fromPeer, fromHost }).toEqual({ toHost: false, toInternet: null, fromPeer: false, fromHost: false });
    // Still configured in WireGuard, so resuming needs no new handshake.
    expect((await hostPeers()).has(client(1).peer.publicKey)).toBe(true);
    expect((await plane.nftables.report()).blockedPeers).toEqual([expect.objectContaining({ ifname: wgName, address: `${TUNNEL}.3` })]);

    expect((await plane.apply(next((i) => setPeer(i, 'p2', { enabled: true })))).mode).toBe('incremental');
    expect(await c2.ping(`${TUNNEL}.1`)).toBe(true);
    expect(await whoami(c2, INTERNET, 9000)).toBe(PUBLIC);
    console.log(`single-peer suspend delta: ${deltaMs.toFixed(1)} ms (${JSON.stringify(r.timings.map((t) => `${t.driver}=${t.ms.toFixed(1)}`))})`);
  });

  it('a restarted agent re-applying the same state changes nothing and keeps WireGuard sessions', async () => {
    const before = await hostPeers();
    const restarted = new LinuxDataPlane(runner());
    const r = await restarted.apply(state);
    expect(r.mode).toBe('full');
    expect(await client(0).ns.ping(`${TUNNEL}.1`, { count: 1, deadlineS: 1 })).toBe(true);
    expect(await client(1).ns.ping(`${TUNNEL}.1`, { count: 1, deadlineS: 1 })).toBe(true);
    // Same handshake timestamps: the traffic above rode the existing sessions.
    expect(await hostPeers()).toEqual(before);
    expect((await restarted.detectDrift()).inSync).toBe(true);
    plane = restarted;
  });

  it('a full apply leaves foreign tables and interfaces alone and removes its own leftovers', async () => {
    await host.exec('nft', ['-f', '-'], {
      stdin: 'table inet foreign {\n chain c {\n  type filter hook forward priority 10; policy accept;\n  counter\n }\n}\n',
    });
    const foreign = lab.wgName('fx');
    await startWireguardGo(host, foreign);
    const leftover = lab.wgName('lo');
    await startWireguardGo(host, leftover);
    await host.exec('ip', ['link', 'set', 'dev', leftover, 'alias', 'wgfleet']);

    await plane.applyFull(state);

    expect((await host.exec('nft', ['list', 'table', 'inet', 'foreign'], { allowFail: true })).code).toBe(0);
    expect((await host.exec('ip', ['link', 'show', 'dev', foreign], { allowFail: true })).code).toBe(0);
    expect((await host.exec('ip', ['link', 'show', 'dev', leftover], { allowFail: true })).code).not.toBe(0);
  });

  it('detects and repairs a hand-deleted peer and a hand-deleted table', async () => {
    await host.exec('wg', ['set', wgName, 'peer', client(0).peer.publicKey, 'remove']);
    await host.exec('nft', ['delete', 'table', 'inet', 'wgfleet']);
    const { drift, repair } = await plane.repairDrift();
    expect(drift.drift['wireguard']).toEqual([`${wgName}: peer ${client(0).peer.publicKey} missing`]);
    expect(drift.drift['nftables']).toEqual(['table inet wgfleet is missing']);
    expect(repair?.mode).toBe('full');
    expect((await plane.detectDrift()).inSync).toBe(true);
    // The re-created peer has no session: the client's next handshake (normally within ~15 s of
    // unanswered traffic) restores it; reconnect now instead of waiting.
    await client(0).wg.reconnect();
    expect(await client(0).ns.ping(`${TUNNEL}.1`)).toBe(true);
    expect(await whoami(internet, PUBLIC, 8080)).toBe(`${TUNNEL}.1`);
  });

  it('removing a peer and its port forward removes them from WireGuard and nftables', async () => {
    await plane.apply(next((i) => setPeer(i, 'p1', { enabled: false })));
    expect((await plane.nftables.report()).blockedPeers).toHaveLength(1);
    const r = await plane.apply(next((i) => ({ ...i, peers: i.peers.filter((p) => p.id !== 'p1'), portForwards: [] })));
    expect(r.mode).toBe('incremental');
    expect((await hostPeers()).has(client(0).peer.publicKey)).toBe(false);
    const nft = await plane.nftables.report();
    expect(nft.blockedPeers).toEqual([]);
    expect(nft.portForwards).toEqual([]);
    expect(await client(0).ns.ping(`${TUNNEL}.1`, { count: 2, deadlineS: 1 })).toBe(false);
    expect(await client(1).ns.ping(`${TUNNEL}.1`)).toBe(true);
    expect((await plane.detectDrift()).inSync).toBe(true);
  });

  it('falls back to a full apply when the host does not match the previous state', async () => {
    // Hand edit the incremental path cannot know about: its element delete would fail.
    const p2 = client(1).peer;
    await plane.apply(next((i) => setPeer(i, 'p2', { enabled: false })));
    await host.exec('nft', ['delete', 'element', 'inet', 'wgfleet', 'blocked_peers', `{ "${wgName}" . ${p2.address} }`]);
    await host.exec('nft', ['add', 'element', 'inet', 'wgfleet', 'port_forwards', `{ udp . 5000 : ${p2.address} . 1 }`]);
    const r = await plane.apply(next((i) => ({ ...i, portForwards: [{ id: 'pf-2', protocol: 'udp', port: 5000, peerAddress: p2.address, targetPort: 53 }] })));
    expect(r.mode).toBe('full');
    expect(r.incrementalError).toMatch(/nft/);
    expect((await plane.nftables.report()).portForwards).toEqual([expect.objectContaining({ port: 5000, targetPort: 53 })]);
  });

  it('applies many peers in full and one peer change in O(1)', async () => {
    // WGFLEET_BULK_PEERS=10000 for a bigger measurement; the default keeps the suite fast.
    const count = Number(process.env['WGFLEET_BULK_PEERS'] ?? 2000);
    const many: PeerState[] = [];
    for (let n = 0; n < count; n++) {
      const address = `100.65.${n >> 8}.${n & 255}`;
      many.push({
        id: `bulk-${n}`,
        publicKey: generateKeyPair().publicKey,
        presharedKey: n % 2 ? generatePresharedKey() : null,
        address,
        allowedIps: [`${address}/32`],
        enabled: n % 10 !== 0,
        bandwidth: { downloadKbit: 0, uploadKbit: 0 },
        shapingId: 100 + n,
      });
    }
    const big = next((i) => ({ ...i, peers: [...i.peers, ...many] }));
    const recorder = new RecordingRunner(runner());
    const fresh = new LinuxDataPlane(recorder);
    const full = await fresh.apply(big);
    expect(full.mode).toBe('full');
    const deltas: number[] = [];
    for (let k = 0; k < 5; k++) {
      recorder.commands.length = 0;
      const r = await fresh.apply(next((i) => setPeer(i, `bulk-${k + 1}`, { enabled: false, allowedIps: [`100.65.0.${k + 1}/32`, `10.9.${k}.0/24`] })));
      expect(r.mode).toBe('incremental');
      // One wg call and one nft transaction (concurrent: any order); no dumps, no listing, whatever the peer count.
      expect(recorder.commands.map((c) => c.line.split(' ').slice(0, 3).join(' ')).sort()).toEqual([`wg addconf ${wgName}`, 'nft -f -'].sort());
      deltas.push(r.ms);
    }
    const report = await fresh.wireguard.report(state);
    expect(report.interfaces[0]?.peers).toHaveLength(count + 1);
    expect((await fresh.detectDrift()).inSync).toBe(true);
    console.log(
      `full apply of ${count + 1} peers: ${full.ms.toFixed(0)} ms (${full.timings.map((t) => `${t.driver}=${t.ms.toFixed(0)}`).join(' ')}); ` +
        `one-peer deltas: ${deltas.map((d) => d.toFixed(1)).join(', ')} ms`,
    );
    plane = fresh;
  });
});

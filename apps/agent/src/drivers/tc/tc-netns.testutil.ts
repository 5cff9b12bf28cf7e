import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import type { HostDesiredState, InterfaceState, PeerState } from '@wgfleet/domain';

// Test network for the tc driver (used by the netns spec and the benchmark):
//   ns "host" ── veth "vh" ══ "vc" ── ns "client"
// "vh" stands in for the WireGuard interface (the driver does not care which kind it is); the
// client namespace holds the peers' tunnel addresses (100.64.0.0/10), so shaping, dispatch and
// iperf3 run exactly as they would over wg. The root namespace gets nothing, and nothing is sent
// anywhere but between these two namespaces.

const run = promisify(execFile);

export async function sh(cmd: string, args: string[]): Promise<string> {
  const { stdout } = await run(cmd, args, { maxBuffer: 256 * 1024 * 1024, timeout: 60_000, env: { ...process.env, LC_ALL: 'C' } });
  return stdout;
}

export interface TcTestNet {
  host: string;
  client: string;
  /** The shaped interface inside `host`. */
  ifname: string;
  /** Host address on it, with prefix. */
  cidr: string;
  inHost(cmd: string, args: string[]): Promise<string>;
  inClient(cmd: string, args: string[]): Promise<string>;
  /** Kill this process (an iperf3 server we daemonized) on destroy, if its command line still
   * contains `marker` (the pid may have been reused after the server exited by itself). */
  trackPid(pid: string, marker: string): void;
  destroy(): Promise<void>;
}

export async function createTestNet(opts: { thirdOctet?: number; prefix?: number } = {}): Promise<TcTestNet> {
  const tag = randomBytes(4).toString('hex');
  const host = `tct-h-${tag}`;
  const client = `tct-c-${tag}`;
  const ifname = 'vh';
  const o3 = opts.thirdOctet ?? 7;
  const prefix = opts.prefix ?? 24;
  const cidr = `100.64.${o3}.1/${prefix}`;
  const pids: Array<{ pid: string; marker: string }> = [];
  const net: TcTestNet = {
    host,
    client,
    ifname,
    cidr,
    inHost: (cmd, args) => sh('ip', ['netns', 'exec', host, cmd, ...args]),
    inClient: (cmd, args) => sh('ip', ['netns', 'exec', client, cmd, ...args]),
    trackPid: (pid, marker) => void pids.push({ pid, marker }),
    async destroy() {
      for (const { pid, marker } of pids) {
        try {
          if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      for (const ns of [host, client]) await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
    },
  };
  try {
    await sh('ip', ['netns', 'add', host]);
    await sh('ip', ['netns', 'add', client]);
    // Created inside the host namespace, the peer end moved straight into the client namespace:
    // the root namespace never sees either end.
    await sh('ip', ['-n', host, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', 'vc', 'netns', client]);
    await sh('ip', ['-n', host, 'addr', 'add', cidr, 'dev', ifname]);
    await sh('ip', ['-n', host, 'link', 'set', ifname, 'up']);
    await sh('ip', ['-n', host, 'link', 'set', 'lo', 'up']);
    await sh('ip', ['-n', client, 'link', 'set', 'vc', 'up']);
    await sh('ip', ['-n', client, 'link', 'set', 'lo', 'up']);
    // The peers reach the host (and each other's subnet) on-link through the veth.
    await sh('ip', ['-n', client, 'route', 'add', `100.64.${o3}.0/${prefix}`, 'dev', 'vc']);
  } catch (e) {
    await net.destroy();
    throw e;
  }
  return net;
}

/** Adds a peer address inside the client namespace (as /32 plus an on-link route to the subnet). */
export async function addClientAddress(net: TcTestNet, address: string): Promise<void> {
  await sh('ip', ['-n', net.client, 'addr', 'add', `${address}/32`, 'dev', 'vc']);
}

export async function addClientRoute(net: TcTestNet, subnet: string): Promise<void> {
  await sh('ip', ['-n', net.client, 'route', 'add', subnet, 'dev', 'vc']);
}

/**
 * Throughput between host and one peer address with iperf3 (server in the client namespace bound
 * to the peer's address). download = host sends to peer; upload = peer sends to host (-R).
 * Returns receiver-side bits/s, which is what the shaper controls.
 */
export async function iperf(net: TcTestNet, peerAddress: string, direction: 'down' | 'up', seconds = 3): Promise<number> {
  const port = String(20000 + Math.floor(Math.random() * 20000));
  const pidFile = `/tmp/tct-iperf-${randomBytes(4).toString('hex')}.pid`;
  await net.inClient('iperf3', ['-s', '-1', '-D', '-B', peerAddress, '-p', port, '-I', pidFile]);
  try {
    const pid = readFileSync(pidFile, 'utf8').trim().replace(/\0/g, '');
    if (/^\d+$/.test(pid)) net.trackPid(pid, pidFile);
  } catch {
    // pid file not written yet; namespace deletion plus -1 still end the server
  }
  let lastErr: unknown = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const args = ['-c', peerAddress, '-p', port, '-t', String(seconds), '-J', '-O', '1', '--connect-timeout', '2000'];
      if (direction === 'up') args.push('-R');
      const out = await net.inHost('iperf3', args);
      const j = JSON.parse(out) as { end: { sum_received: { bits_per_second: number } } };
      rmSync(pidFile, { force: true });
      return j.end.sum_received.bits_per_second;
    } catch (e) {
      lastErr = e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  rmSync(pidFile, { force: true });
  throw lastErr;
}

/** Measured throughput within ±20% of a limit; logged so test output doubles as the accuracy report. */
export function expectShaped(measured: number, kbit: number): void {
  const ratio = measured / (kbit * 1000);
  console.log(`iperf3 ${(measured / 1e6).toFixed(2)} Mbit/s for a ${kbit / 1000} Mbit/s limit (${(ratio * 100).toFixed(1)}%)`);
  expect(ratio).toBeGreaterThan(0.8);
  expect(ratio).toBeLessThan(1.2);
}

let keyCounter = 0;
function fakeKey(): string {
  // 32 bytes base64 — the tc driver never looks at keys.
  const b = Buffer.alloc(32);
  b.writeUInt32BE(++keyCounter, 0);
  return b.toString('base64');
}

export function peer(id: string, address: string, shapingId: number, downKbit: number, upKbit: number, enabled = true): PeerState {
  return {
    id,
    publicKey: fakeKey(),
    presharedKey: null,
    address,
    allowedIps: [`${address}/32`],
    enabled,
    bandwidth: { downloadKbit: downKbit, uploadKbit: upKbit },
    shapingId,
  };
}

export function iface(name: string, cidr: string, peers: PeerState[], id = `if-${name}`): InterfaceState {
  return {
    id,
    name,
    address: cidr,
    listenPort: 51820,
    privateKey: fakeKey(),
    mtu: null,
    nat: { enabled: false, snatAddress: null },
    internalTraffic: false,
    defaultBandwidth: { downloadKbit: 0, uploadKbit: 0 },
    peers,
    portForwards: [],
  };
}

export function hostState(revision: number, interfaces: InterfaceState[]): HostDesiredState {
  return { hostId: 'host-tc-test', revision, publicAddress: null, interfaces };
}

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, sleep, type Netns } from './netns';

// WireGuard endpoints configured by a test itself (the "client" side), using wireguard-go
// inside a namespace. The agent under test manages its own interfaces; these are the peers.

export interface WireguardClientPeer {
  publicKey: string;
  presharedKey?: string | null;
  endpoint: string;
  allowedIps: string[];
  persistentKeepalive?: number;
}

export interface WireguardClientOptions {
  ifname: string;
  privateKey: string;
  /** The client's tunnel address with prefix, e.g. "100.64.0.2/24". */
  address: string;
  peer: WireguardClientPeer;
  /** Extra routes through the tunnel (e.g. the "internet" subnet). */
  routes?: string[];
}

/** Starts wireguard-go for `ifname` in the namespace and waits until `wg` can talk to it. */
export async function startWireguardGo(ns: Netns, ifname: string, timeoutMs = 5_000): Promise<void> {
  await ns.exec('wireguard-go', [ifname]);
  const deadline = Date.now() + timeoutMs;
  while ((await ns.exec('wg', ['show', ifname, 'listen-port'], { allowFail: true })).code !== 0) {
    if (Date.now() > deadline) throw new Error(`wireguard-go ${ifname} not ready in ${ns.name}`);
    await sleep(10);
  }
}

export interface WireguardClient {
  ifname: string;
  /**
   * Re-applies the client's config with `wg setconf`, which re-creates the peer: a fresh session
   * and handshake, as a real client reconnecting would do.
   */
  reconnect(): Promise<void>;
}

export async function startWireguardClient(ns: Netns, o: WireguardClientOptions): Promise<WireguardClient> {
  await startWireguardGo(ns, o.ifname);
  await setconf(ns, o);
  await ns.exec('ip', ['addr', 'add', o.address, 'dev', o.ifname]);
  await ns.exec('ip', ['link', 'set', o.ifname, 'up']);
  for (const r of o.routes ?? []) await ns.exec('ip', ['route', 'add', r, 'dev', o.ifname]);
  return { ifname: o.ifname, reconnect: () => setconf(ns, o) };
}

async function setconf(ns: Netns, o: WireguardClientOptions): Promise<void> {
  const conf = [
    '[Interface]',
    `PrivateKey = ${o.privateKey}`,
    '[Peer]',
    `PublicKey = ${o.peer.publicKey}`,
    ...(o.peer.presharedKey ? [`PresharedKey = ${o.peer.presharedKey}`] : []),
    `Endpoint = ${o.peer.endpoint}`,
    `AllowedIPs = ${o.peer.allowedIps.join(', ')}`,
    ...(o.peer.persistentKeepalive ? [`PersistentKeepalive = ${o.peer.persistentKeepalive}`] : []),
    '',
  ].join('\n');
  // Keys in a 0600 tmpfs file, never on argv. (Not /dev/stdin: Node gives children a socket as
  // stdin, and wg's fopen("/dev/stdin") fails on sockets with ENXIO.)
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'wgft-'));
  try {
    await writeFile(join(dir, 'wg.conf'), conf, { mode: 0o600 });
    await ns.exec('wg', ['setconf', o.ifname, join(dir, 'wg.conf')]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `wg show <if> dump` peer lines as objects (client side; the agent has its own parser). */
export async function wgPeers(ns: Netns, ifname: string): Promise<{ publicKey: string; latestHandshake: number; rx: number; tx: number }[]> {
  const { stdout } = await ns.exec('wg', ['show', ifname, 'dump']);
  return stdout
    .trim()
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => {
      const f = l.split('\t');
      return { publicKey: f[0] ?? '', latestHandshake: Number(f[4]), rx: Number(f[5]), tx: Number(f[6]) };
    });
}

/** Generates a key pair with wg(8) (keys on stdin/stdout only). */
export async function wgKeyPair(): Promise<{ privateKey: string; publicKey: string }> {
  const privateKey = (await exec('wg', ['genkey'])).stdout.trim();
  const publicKey = (await exec('wg', ['pubkey'], { stdin: privateKey })).stdout.trim();
  return { privateKey, publicKey };
}

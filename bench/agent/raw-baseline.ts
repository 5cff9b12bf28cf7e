import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostDesiredState, InterfaceState } from '@wgfleet/domain';
import { startWireguardGo } from '@wgfleet/testing';
import { buildDeviceBatch, renderInterfaceConfig, renderTable, shapedPeer, subnetOf, type IfbDevice } from './agent-under-test';
import { LONG_COMMAND_MS, type BenchHost } from './bench-host';

// The "raw tools" baseline: the same host state done by hand with prepared input files, one tool
// run each, as a shell script would do it — `wg setconf`, `nft -f` of a table with the agent's
// sets/maps shape, and `tc -batch` in the straightforward layout: one HTB device per direction
// (download on the WireGuard interface itself, upload on one IFB fed by an ingress redirect),
// with the same hashed u32 filters as the agent. Preparing the files and devices is not timed.

export interface RawTimes {
  wgMs: number;
  nftMs: number;
  /** null when skipped (see skippedTc). */
  tcMs: number | null;
  skippedTc: string | null;
}

export async function rawBaseline(host: BenchHost, state: HostDesiredState, naiveTcMax: number): Promise<RawTimes> {
  const iface = state.interfaces[0] as InterfaceState;
  const { ns, ifname } = host;
  await startWireguardGo(ns, ifname);
  const upIfb = `${ifname}-nu`;
  await ns.exec('ip', ['link', 'add', upIfb, 'type', 'ifb']);
  await ns.exec('ip', ['link', 'set', upIfb, 'up']);

  // tmpfs, 0700: the WireGuard config holds the interface's private key.
  const dir = await mkdtemp('/dev/shm/wgb-');
  try {
    const wgConf = join(dir, 'wg.conf');
    const ruleset = join(dir, 'ruleset.nft');
    const tcBatch = join(dir, 'tc.batch');
    await writeFile(wgConf, renderInterfaceConfig(iface), { mode: 0o600 });
    await writeFile(ruleset, renderTable(state));
    const naive = iface.peers.length <= naiveTcMax;
    if (naive) await writeFile(tcBatch, naiveTcLines(iface, upIfb).join('\n') + '\n');

    const wgMs = await time(() => ns.exec('wg', ['setconf', ifname, wgConf], { timeoutMs: LONG_COMMAND_MS }));
    const nftMs = await time(() => ns.exec('nft', ['-f', ruleset], { timeoutMs: LONG_COMMAND_MS }));
    const tcMs = naive ? await time(() => ns.exec('tc', ['-batch', tcBatch], { timeoutMs: LONG_COMMAND_MS })) : null;
    const skippedTc = naive ? null : `naive tc skipped above ${naiveTcMax} peers: classes on one device cost O(n²) (minutes at this size)`;
    return { wgMs, nftMs, tcMs, skippedTc };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function naiveTcLines(iface: InterfaceState, upIfb: string): string[] {
  const subnet = subnetOf(iface);
  const down: IfbDevice = { name: iface.name, ifname: iface.name, direction: 'down', shard: 0 };
  const up: IfbDevice = { name: upIfb, ifname: iface.name, direction: 'up', shard: 0 };
  const shaped = (dir: 'down' | 'up') => iface.peers.flatMap((p) => shapedPeer(p, dir) ?? []);
  return [
    ...buildDeviceBatch(down, subnet, shaped('down')).lines,
    ...buildDeviceBatch(up, subnet, shaped('up')).lines,
    `qdisc add dev ${iface.name} ingress`,
    `filter add dev ${iface.name} parent ffff: protocol ip u32 match ip src ${subnet.cidr} action mirred egress redirect dev ${upIfb}`,
  ];
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

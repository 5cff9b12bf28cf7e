import { loadavg } from 'node:os';
import { exec, NetnsLab, sleep, type Netns } from '@wgfleet/testing';

// One benchmark host = one network namespace (libs/testing NetnsLab) with a unique WireGuard
// interface name starting with "wgb" (wireguard-go's sockets live in one directory for all
// namespaces). Nothing is linked to the root namespace, so nothing can leave the machine.
// Every host is torn down when its phase ends, on failure, and on SIGINT/SIGTERM.

export interface BenchHost {
  ns: Netns;
  /** WireGuard interface name for this host, e.g. "wgb1a2b3c0". */
  ifname: string;
}

const live = new Map<NetnsLab, Netns | null>();

/** Time limit for one tool run: the naive tc layout and big teardowns take minutes. */
export const LONG_COMMAND_MS = 3_600_000;

/** Time for the kernel to finish freeing a torn-down host (RCU callbacks, wireguard-go exit)
 * before the next phase is measured. */
const SETTLE_MS = Number(process.env['BENCH_SETTLE_MS'] ?? 2000);

export async function withHost<T>(label: string, fn: (host: BenchHost) => Promise<T>): Promise<T> {
  const lab = new NetnsLab();
  live.set(lab, null);
  try {
    const ns = await lab.namespace(`wgb-${label}`);
    live.set(lab, ns);
    return await fn({ ns, ifname: lab.wgName('wgb') });
  } finally {
    await teardown(lab);
    await sleep(SETTLE_MS);
  }
}

/**
 * Destroys the namespace's root qdiscs before deleting the namespace: a deleted namespace is torn
 * down later by a kernel worker, and with 100,000 HTB classes that is many seconds of CPU (every
 * class unbinds a tc block from a global list) that would land in the next measurement. Deleting
 * the qdiscs ourselves does the same work synchronously, and deleting devices one by one would
 * add an RCU wait per device.
 */
async function teardown(lab: NetnsLab): Promise<void> {
  const ns = live.get(lab);
  live.delete(lab);
  if (ns) {
    const { stdout } = await exec('ip', ['-n', ns.name, '-j', 'link', 'show'], { allowFail: true });
    const links = (JSON.parse(stdout.trim() || '[]') as Array<{ ifname: string }>).map((l) => l.ifname).filter((n) => n !== 'lo');
    const stdin = links.map((l) => `qdisc del dev ${l} root`).join('\n') + '\n';
    if (links.length > 0) await ns.exec('tc', ['-force', '-batch', '-'], { stdin, allowFail: true, timeoutMs: LONG_COMMAND_MS });
  }
  await lab.cleanup();
}

/** Removes every live host and exits: Ctrl-C must not leave namespaces or wireguard-go behind. */
export function cleanUpOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: removing benchmark hosts...\n`);
      void Promise.allSettled([...live.keys()].map(teardown)).then(() => process.exit(130));
    });
  }
}

/** One-minute load average, for the figures' noise caveat. */
export function load1(): number {
  return loadavg()[0] ?? NaN;
}

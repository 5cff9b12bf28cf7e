import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';

// Network-namespace lab for real data-plane tests: namespaces, veth links with addresses,
// commands and background processes inside a namespace, and one cleanup that removes all of it.
// Names carry the creating pid and a random id, so parallel runs never collide and a later run
// can remove what a crashed run left behind (removeStaleLabs). Requires root.
//
// Test-network rules (ARCHITECTURE.md): 198.18.0.0/15 for underlay links, 100.64.0.0/10 for
// tunnels; the root namespace gets no routes to test subnets, so nothing leaves the machine.

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ExecOptions {
  stdin?: string;
  /** Return a non-zero exit instead of throwing. */
  allowFail?: boolean;
  timeoutMs?: number;
  cwd?: string;
}

const NAME_PREFIX = 'wgft';

/** Runs a command (no shell) and collects its output. */
export function exec(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 30_000, cwd: opts.cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const r = { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: code ?? -1 };
      if (r.code !== 0 && !opts.allowFail) {
        reject(new Error(`${[cmd, ...args].join(' ')} exited ${r.code}: ${r.stderr.trim()}`));
      } else resolve(r);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}

export class BackgroundProcess {
  private out = '';
  private err = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (b: Buffer) => (this.out += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (this.err += b.toString()));
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  /** Resolves once stdout contains `text` (e.g. a "listening" line); rejects on exit or timeout. */
  async waitFor(text: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.out.includes(text)) {
      if (this.child.exitCode !== null) throw new Error(`process exited (${this.child.exitCode}): ${this.err.trim()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)}; stderr: ${this.err.trim()}`);
      await sleep(10);
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

export class Netns {
  constructor(readonly name: string) {}

  exec(cmd: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    return exec('ip', ['netns', 'exec', this.name, cmd, ...args], opts);
  }

  /** Starts a long-running command in the namespace; the lab stops it on cleanup. */
  spawn(cmd: string, args: readonly string[]): BackgroundProcess {
    return new BackgroundProcess(spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** True when at least one of `count` echo requests is answered. */
  async ping(address: string, opts: { count?: number; deadlineS?: number } = {}): Promise<boolean> {
    const count = opts.count ?? 3;
    const args = ['-n', '-q', '-c', String(count), '-i', '0.2', '-w', String(opts.deadlineS ?? 3), address];
    return (await this.exec('ping', args, { allowFail: true })).code === 0;
  }
}

export interface VethLink {
  a: { ns: Netns; ifname: string; address: string };
  b: { ns: Netns; ifname: string; address: string };
}

export class NetnsLab {
  /** Random per-lab id, also handy for unique WireGuard interface names (socket dir is global). */
  readonly id = randomBytes(3).toString('hex');
  private readonly namespaces: Netns[] = [];
  private readonly processes: BackgroundProcess[] = [];
  private readonly wgNames = new Set<string>();
  private links = 0;

  /** Creates a namespace with loopback up. */
  async namespace(label: string): Promise<Netns> {
    const ns = new Netns(`${NAME_PREFIX}-${process.pid}-${this.id}-${label}`);
    await exec('ip', ['netns', 'add', ns.name]);
    this.namespaces.push(ns);
    await exec('ip', ['-n', ns.name, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /** A veth pair between two namespaces, addressed (CIDR) and up. */
  async link(a: Netns, aAddress: string, b: Netns, bAddress: string): Promise<VethLink> {
    const n = this.links++;
    // IFNAMSIZ: 15 characters at most.
    const ifA = `v${this.id}${n}a`;
    const ifB = `v${this.id}${n}b`;
    // Created directly inside the namespaces: the root namespace never holds a test interface.
    await exec('ip', ['link', 'add', ifA, 'netns', a.name, 'type', 'veth', 'peer', 'name', ifB, 'netns', b.name]);
    for (const [ns, ifname, address] of [[a, ifA, aAddress], [b, ifB, bAddress]] as const) {
      await exec('ip', ['-n', ns.name, 'addr', 'add', address, 'dev', ifname]);
      await exec('ip', ['-n', ns.name, 'link', 'set', ifname, 'up']);
    }
    return { a: { ns: a, ifname: ifA, address: aAddress }, b: { ns: b, ifname: ifB, address: bAddress } };
  }

  /** A unique interface name `<base><id><n>` (≤ 15 chars) for wireguard-go, whose sockets are shared by all namespaces. */
  wgName(base = 'wg'): string {
    const name = `${base.slice(0, 6)}${this.id}${this.wgNames.size}`.slice(0, 15);
    this.wgNames.add(name);
    return name;
  }

  spawn(ns: Netns, cmd: string, args: readonly string[]): BackgroundProcess {
    const p = ns.spawn(cmd, args);
    this.processes.push(p);
    return p;
  }

  /** Removes everything this lab created. Safe to call twice and after partial setup. */
  async cleanup(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop().catch(() => undefined)));
    for (const ns of this.namespaces.splice(0)) await removeNamespace(ns.name);
    // wireguard-go removes its socket on SIGTERM; this catches the ones killed harder.
    for (const name of this.wgNames) await rm(`/var/run/wireguard/${name}.sock`, { force: true });
  }
}

/**
 * Kills every process in the namespace (wireguard-go daemons keep a deleted namespace alive),
 * then deletes it.
 */
export async function removeNamespace(name: string): Promise<void> {
  const pids = (await exec('ip', ['netns', 'pids', name], { allowFail: true })).stdout.split(/\s+/).filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGTERM');
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 50 && pids.some(alive); i++) await sleep(20);
  for (const pid of pids.filter(alive)) process.kill(Number(pid), 'SIGKILL');
  await exec('ip', ['netns', 'del', name], { allowFail: true });
}

/** Removes namespaces left behind by lab processes that no longer run (crashed or killed test runs). */
export async function removeStaleLabs(): Promise<string[]> {
  const { stdout } = await exec('ip', ['netns', 'list']);
  const stale = stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => {
      const m = new RegExp(`^${NAME_PREFIX}-(\\d+)-`).exec(n);
      return m !== null && !alive(m[1] ?? '');
    });
  for (const n of stale) await removeNamespace(n);
  return stale;
}

/** Running and not a zombie (exited daemons may stay zombies when pid 1 does not reap them). */
function alive(pid: string): boolean {
  try {
    const stat = readFileSync(`/proc/${Number(pid)}/stat`, 'utf8');
    // Field 3, after the parenthesised command name (which may itself contain spaces).
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

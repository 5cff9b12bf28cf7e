import { CommandError, type CommandRunner } from '../../exec/command-runner';

// Link-level management of the agent's WireGuard interfaces with ip(8): create (kernel module or
// wireguard-go), mark as ours, addresses, MTU, up, delete.

/**
 * ifalias written on every interface the agent creates. It is how a full apply finds interfaces
 * it owns but no longer wants (even after losing its state file) without touching foreign ones.
 */
export const OWNER_ALIAS = 'wgfleet';

export type WireGuardBackend = 'kernel' | 'wireguard-go';

export interface LinkInfo {
  name: string;
  alias: string | null;
  up: boolean;
  mtu: number;
}

export class ForeignInterfaceError extends Error {
  constructor(readonly ifname: string) {
    super(`interface ${ifname} exists, was not created by wgfleet and is not a WireGuard interface; refusing to take it over`);
    this.name = 'ForeignInterfaceError';
  }
}

interface IpLinkJson {
  ifname: string;
  ifalias?: string;
  flags?: string[];
  mtu: number;
}

interface IpAddrJson {
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

export interface WgLinkOptions {
  /** Force a backend instead of probing (tests, or hosts where probing is undesired). */
  backend?: WireGuardBackend;
  /** How long to wait for a wireguard-go interface to come up. */
  readyTimeoutMs?: number;
}

export class WgLinks {
  private backend: WireGuardBackend | undefined;
  private readonly readyTimeoutMs: number;

  constructor(
    private readonly runner: CommandRunner,
    opts: WgLinkOptions = {},
  ) {
    this.backend = opts.backend;
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 5_000;
  }

  /** The backend used for interfaces created so far; undefined before the first creation. */
  get currentBackend(): WireGuardBackend | undefined {
    return this.backend;
  }

  async list(): Promise<LinkInfo[]> {
    const { stdout } = await this.runner.run('ip', ['-j', 'link', 'show']);
    return (JSON.parse(stdout) as IpLinkJson[]).map(toLinkInfo);
  }

  async get(name: string): Promise<LinkInfo | null> {
    try {
      const { stdout } = await this.runner.run('ip', ['-j', 'link', 'show', 'dev', name]);
      const [link] = JSON.parse(stdout) as IpLinkJson[];
      return link ? toLinkInfo(link) : null;
    } catch (e) {
      if (isNoSuchDevice(e)) return null;
      throw e;
    }
  }

  /** Makes sure a WireGuard interface `name` exists and carries our alias. */
  async ensure(name: string): Promise<void> {
    const link = await this.get(name);
    if (link) {
      if (link.alias === OWNER_ALIAS) return;
      // Same name, not marked: adopt it only if it really is WireGuard (e.g. created by hand
      // for the same purpose before the agent was installed). Anything else is foreign.
      if (!(await this.isWireGuard(name))) throw new ForeignInterfaceError(name);
    } else {
      await this.create(name);
    }
    await this.runner.run('ip', ['link', 'set', 'dev', name, 'alias', OWNER_ALIAS]);
  }

  async remove(name: string): Promise<void> {
    try {
      // Deleting the TUN device also ends its wireguard-go process and removes its socket.
      await this.runner.run('ip', ['link', 'del', 'dev', name]);
    } catch (e) {
      if (!isNoSuchDevice(e)) throw e;
    }
  }

  /** Sets exactly this IPv4 address (with prefix) on the interface, removing other IPv4 addresses. */
  async setAddress(name: string, cidr: string): Promise<void> {
    const { stdout } = await this.runner.run('ip', ['-j', '-4', 'addr', 'show', 'dev', name]);
    const [entry] = JSON.parse(stdout) as IpAddrJson[];
    for (const a of entry?.addr_info ?? []) {
      const have = `${a.local}/${a.prefixlen}`;
      if (a.family === 'inet' && have !== cidr) await this.runner.run('ip', ['addr', 'del', have, 'dev', name]);
    }
    // replace = add-or-update, so re-applying is a no-op rather than "File exists".
    await this.runner.run('ip', ['addr', 'replace', cidr, 'dev', name]);
  }

  async addresses(name: string): Promise<string[]> {
    const { stdout } = await this.runner.run('ip', ['-j', '-4', 'addr', 'show', 'dev', name]);
    const [entry] = JSON.parse(stdout) as IpAddrJson[];
    return (entry?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
  }

  async setMtuUp(name: string, mtu: number): Promise<void> {
    await this.runner.run('ip', ['link', 'set', 'dev', name, 'mtu', String(mtu), 'up']);
  }

  private async create(name: string): Promise<void> {
    if (this.backend !== 'wireguard-go') {
      try {
        await this.runner.run('ip', ['link', 'add', 'dev', name, 'type', 'wireguard']);
        this.backend = 'kernel';
        return;
      } catch (e) {
        // No module: "Unknown device type" (or EOPNOTSUPP on some kernels). Anything else is real.
        if (this.backend === 'kernel' || !isNoWireGuardModule(e)) throw e;
        this.backend = 'wireguard-go';
      }
    }
    // wireguard-go daemonizes: the parent returns once the child is started, which creates the
    // TUN device and then the UAPI socket in /var/run/wireguard. Wait until `wg` can talk to it.
    await this.runner.run('wireguard-go', [name]);
    await this.waitUntilReady(name);
  }

  private async waitUntilReady(name: string): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      if (await this.isWireGuard(name)) return;
      if (Date.now() > deadline) throw new Error(`wireguard-go ${name}: not ready after ${this.readyTimeoutMs} ms`);
      await sleep(delay);
    }
  }

  private async isWireGuard(name: string): Promise<boolean> {
    try {
      await this.runner.run('wg', ['show', name, 'listen-port']);
      return true;
    } catch (e) {
      if (e instanceof CommandError) return false;
      throw e;
    }
  }
}

function toLinkInfo(l: IpLinkJson): LinkInfo {
  return { name: l.ifname, alias: l.ifalias ?? null, up: (l.flags ?? []).includes('UP'), mtu: l.mtu };
}

export function isNoSuchDevice(e: unknown): boolean {
  return e instanceof CommandError && /does not exist|Cannot find device/.test(e.stderr);
}

function isNoWireGuardModule(e: unknown): boolean {
  return e instanceof CommandError && /Unknown device type|Not supported|not supported/.test(e.stderr);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

import type { HostDesiredState, HostDiff } from '@wgfleet/domain';
import { CommandError, type CommandRunner } from '../../exec/command-runner';
import type { DataPlaneDriver } from '../../dataplane/driver';
import { renderDelta } from './nft-delta';
import { parseNftTableJson, type NftablesReport } from './nft-report';
import { DEFAULT_TABLE_NAME, renderTable, TABLE_FAMILY } from './nft-ruleset';

// nftables driver: owns exactly one table and nothing else. Full applies replace it atomically;
// deltas are element updates in one `nft -f -` transaction.

/** Chains a healthy table has; the drift check only looks for these (nft -t skips elements, so it stays cheap). */
const EXPECTED_CHAINS = ['prerouting', 'postrouting', 'forward', 'input', 'output'];

export interface NftablesDriverOptions {
  table?: string;
  /** Turn on IPv4 forwarding when interfaces exist (a VPN gateway needs it). Default true. */
  enableForwarding?: boolean;
}

export class NftablesDriver implements DataPlaneDriver<NftablesReport> {
  readonly name = 'nftables';
  readonly table: string;
  private readonly enableForwarding: boolean;

  constructor(
    private readonly runner: CommandRunner,
    opts: NftablesDriverOptions = {},
  ) {
    this.table = opts.table ?? DEFAULT_TABLE_NAME;
    this.enableForwarding = opts.enableForwarding ?? true;
  }

  async applyFull(state: HostDesiredState): Promise<void> {
    await this.runner.run('nft', ['-f', '-'], { stdin: renderTable(state, this.table) });
    // Only ever switched on, never off: other software on the host may rely on it too.
    if (this.enableForwarding && state.interfaces.length > 0) {
      await this.runner.run('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    }
  }

  async applyDiff(prev: HostDesiredState, next: HostDesiredState, diff: HostDiff): Promise<void> {
    const delta = renderDelta(prev.interfaces, diff, this.table);
    if (delta.kind === 'full') return this.applyFull(next);
    if (delta.kind === 'batch') await this.runner.run('nft', ['-f', '-'], { stdin: delta.text });
  }

  async removeAll(): Promise<void> {
    try {
      await this.runner.run('nft', ['delete', 'table', TABLE_FAMILY, this.table]);
    } catch (e) {
      if (!isNoSuchTable(e)) throw e;
    }
  }

  async report(): Promise<NftablesReport> {
    try {
      const { stdout } = await this.runner.run('nft', ['-j', 'list', 'table', TABLE_FAMILY, this.table]);
      return parseNftTableJson(this.table, stdout);
    } catch (e) {
      if (!isNoSuchTable(e)) throw e;
      return { table: this.table, present: false, rules: [], portForwards: [], blockedPeers: [] };
    }
  }

  /** Problems found cheaply (table and chains present); empty when healthy. */
  async detectDrift(): Promise<string[]> {
    let text: string;
    try {
      ({ stdout: text } = await this.runner.run('nft', ['-t', 'list', 'table', TABLE_FAMILY, this.table]));
    } catch (e) {
      if (isNoSuchTable(e)) return [`table ${TABLE_FAMILY} ${this.table} is missing`];
      throw e;
    }
    const chains = new Set([...text.matchAll(/^\s*chain (\S+) \{/gm)].map((m) => m[1]));
    return EXPECTED_CHAINS.filter((c) => !chains.has(c)).map((c) => `chain ${c} is missing from table ${this.table}`);
  }
}

function isNoSuchTable(e: unknown): boolean {
  return e instanceof CommandError && /No such file or directory/.test(e.stderr);
}

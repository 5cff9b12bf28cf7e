import { existsSync } from 'node:fs';
import { release } from 'node:os';
import type { CommandRunner } from '../exec/command-runner';

// Host facts reported at enrollment and on every Hello, so operators see what each host runs.

export const AGENT_VERSION = '0.1.0';

export interface HostFacts {
  kernel: string;
  /** "kernel" when the wireguard module is loaded or loadable, else "wireguard-go". */
  wireguardImplementation: string;
  wireguardToolsVersion: string;
  nftablesVersion: string;
  agentVersion: string;
  nodeVersion: string;
}

export async function collectFacts(runner: CommandRunner): Promise<HostFacts> {
  const version = async (cmd: string, args: string[]): Promise<string> => {
    try {
      const { stdout } = await runner.run(cmd, args);
      return /v?(\d+\.\d+(?:\.\d+)*)/.exec(stdout)?.[1] ?? stdout.trim().slice(0, 40);
    } catch {
      return 'unavailable';
    }
  };
  return {
    kernel: release(),
    // /sys/module is the same in every network namespace; the agent probes again at first create.
    wireguardImplementation: existsSync('/sys/module/wireguard') ? 'kernel' : 'wireguard-go',
    wireguardToolsVersion: await version('wg', ['--version']),
    nftablesVersion: await version('nft', ['--version']),
    agentVersion: AGENT_VERSION,
    nodeVersion: process.versions.node,
  };
}

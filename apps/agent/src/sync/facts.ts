import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname, release } from 'node:os';
import type { CommandRunner } from '../exec/command-runner';

// Host facts reported at enrollment and on every Hello, so operators see what each host runs.
// Every probe is best effort: a missing tool shows as "unavailable", it never stops the agent.

export const AGENT_VERSION = '0.1.0';

export interface HostFacts {
  hostname: string;
  kernel: string;
  /** PRETTY_NAME of /etc/os-release. */
  os: string;
  /** "kernel" when the wireguard module is loaded or loadable, else "wireguard-go". */
  wireguardImplementation: string;
  /** The module's or wireguard-go's version. */
  wireguardVersion: string;
  wireguardToolsVersion: string;
  nftablesVersion: string;
  iproute2Version: string;
  agentVersion: string;
}

const UNAVAILABLE = 'unavailable';

export async function collectFacts(runner: CommandRunner): Promise<HostFacts> {
  const version = async (cmd: string, args: string[]): Promise<string> => {
    try {
      const { stdout, stderr } = await runner.run(cmd, args);
      const text = stdout || stderr;
      return /v?(\d+\.\d+(?:\.\d+)*)/.exec(text)?.[1] ?? (text.trim().slice(0, 40) || UNAVAILABLE);
    } catch {
      return UNAVAILABLE;
    }
  };
  // /sys/module is the same in every network namespace; the agent probes again at first create.
  const kernelModule = existsSync('/sys/module/wireguard');
  return {
    hostname: hostname(),
    kernel: release(),
    os: await osName(),
    wireguardImplementation: kernelModule ? 'kernel' : 'wireguard-go',
    wireguardVersion: kernelModule ? await readTrimmed('/sys/module/wireguard/version') : await version('wireguard-go', ['--version']),
    wireguardToolsVersion: await version('wg', ['--version']),
    nftablesVersion: await version('nft', ['--version']),
    iproute2Version: await version('ip', ['-V']),
    agentVersion: AGENT_VERSION,
  };
}

async function osName(): Promise<string> {
  const text = await readTrimmed('/etc/os-release');
  return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? UNAVAILABLE;
}

async function readTrimmed(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return UNAVAILABLE;
  }
}

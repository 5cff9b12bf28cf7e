import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { HostDesiredState } from '@wgfleet/domain';
import { STATE_FILE } from './agent-under-test';
import type { BenchHost } from './bench-host';

// RSS of the real agent process: `wgfleet-agent run` re-applies its state file at boot before it
// reaches the controller (fail-static), so a state file and a controller address nobody answers
// (no credentials in the state directory either) make it apply `state` and then idle in its
// reconnect loop. Started with the same swc require hook as the benchmark (the agent is not built).

export interface AgentProcessFigures {
  /** RSS once the boot re-apply finished. */
  rssMb: number;
  /** Peak RSS of the agent process (VmHWM), which the boot re-apply sets. */
  peakRssMb: number;
}

const ROOT = resolve(__dirname, '../..');
const RESTORED = 're-applied the last applied state';
const RESTORE_TIMEOUT_MS = 600_000;

export async function agentProcessMemory(host: BenchHost, state: HostDesiredState): Promise<AgentProcessFigures> {
  // tmpfs, 0700: the state file holds private keys.
  const dir = await mkdtemp('/dev/shm/wgb-agent-');
  try {
    await writeFile(join(dir, STATE_FILE), JSON.stringify(state), { mode: 0o600 });
    const config = join(dir, 'agent.json');
    await writeFile(config, JSON.stringify({ controller: '127.0.0.1:9', hostId: state.hostId, stateDir: dir, netns: host.ns.name }));
    const args = ['-r', join(ROOT, 'scripts/register-ts.js'), join(ROOT, 'apps/agent/src/cli.ts'), 'run', '--config', config, '--no-sysctl'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<void>((r) => child.once('close', () => r()));
    try {
      const deadline = Date.now() + RESTORE_TIMEOUT_MS;
      while (!stderr.includes(RESTORED)) {
        if (child.exitCode !== null) throw new Error(`agent exited (${child.exitCode}): ${stderr.trim()}`);
        if (Date.now() > deadline) throw new Error(`agent did not re-apply its state in time: ${stderr.trim()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      if (!stderr.includes('"ok":true')) throw new Error(`agent re-apply failed: ${stderr.trim()}`);
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return { rssMb: kb(status, 'VmRSS') / 1024, peakRssMb: kb(status, 'VmHWM') / 1024 };
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function kb(procStatus: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(procStatus);
  if (!m) throw new Error(`no ${field} in /proc/<pid>/status`);
  return Number(m[1]);
}

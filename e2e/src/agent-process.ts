import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, type ExecResult, type Netns } from '@wgfleet/testing';

// A real wgfleet agent process for one test host: its own config file and state directory (so
// several run on one machine), data-plane commands inside the host's namespace, and its gRPC
// stream to the controller over loopback.

const ROOT = join(__dirname, '../..');
const CLI = ['-r', './scripts/register-ts.js', 'apps/agent/src/cli.ts'];

export class AgentProcess {
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(
    readonly ns: Netns,
    readonly dir: string,
  ) {}

  static async create(ns: Netns): Promise<AgentProcess> {
    return new AgentProcess(ns, await mkdtemp(join(tmpdir(), 'wgfleet-e2e-agent-')));
  }

  get configPath(): string {
    return join(this.dir, 'agent.json');
  }

  get stateDir(): string {
    return join(this.dir, 'state');
  }

  /** `wgfleet-agent enroll`; resolves with its exit code and output whatever they are. */
  enroll(controller: string, token: string, dir = this.dir): Promise<ExecResult> {
    return exec(process.execPath, [...CLI, 'enroll', '--controller', controller, '--token', token, '--config', join(dir, 'agent.json'), '--state-dir', join(dir, 'state'), '--netns', this.ns.name], {
      allowFail: true,
      cwd: ROOT,
      timeoutMs: 30_000,
    });
  }

  /** Starts `wgfleet-agent run` in the background (with extra `run` options, e.g. --stats-interval). */
  start(extraArgs: string[] = []): void {
    if (this.child) throw new Error('agent already running');
    this.output = '';
    const child = spawn(process.execPath, [...CLI, 'run', '--config', this.configPath, '--netns', this.ns.name, ...extraArgs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (d: Buffer): void => void (this.output = (this.output + d.toString()).slice(-20_000));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.child = child;
  }

  /** SIGTERM, as systemd stops it; the data plane must stay as it is. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** The last lines the agent printed (its JSON log), for failure messages. */
  get log(): string {
    return this.output;
  }

  async remove(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

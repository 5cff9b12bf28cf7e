import { spawn } from 'node:child_process';

// Every host command the agent runs goes through a CommandRunner, so drivers stay testable and
// the same driver code can drive the root namespace or a network namespace (tests, demo host).
// Secrets never go on argv (visible in /proc/<pid>/cmdline to every user): pass them via stdin
// for tools that read fd 0 (nft -f -), or withSecretFile for tools that need a path (wg).

export interface RunOptions {
  /** Written to the command's stdin, then stdin is closed. */
  stdin?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

export interface CommandRunner {
  run(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>;
}

/** A command exited non-zero, was killed, or could not be started. stdout is never included: it may hold keys. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    /** null when the process was killed by a signal or never started. */
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly signal: NodeJS.Signals | null = null,
  ) {
    super(`${[command, ...args].join(' ')} failed (${describeExit(exitCode, signal)}): ${stderr.trim() || 'no stderr'}`);
    this.name = 'CommandError';
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal ${signal}`;
  if (code === null) return 'could not start';
  return `exit ${code}`;
}

export interface ProcessCommandRunnerOptions {
  /** Run every command inside this network namespace (`ip netns exec <ns> ...`). */
  netns?: string;
  /** Kill a command that runs longer than this; 0 = no limit. */
  timeoutMs?: number;
}

export class ProcessCommandRunner implements CommandRunner {
  private readonly netns: string | undefined;
  private readonly timeoutMs: number;

  constructor(opts: ProcessCommandRunnerOptions = {}) {
    this.netns = opts.netns;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const [file, argv] = this.netns ? ['ip', ['netns', 'exec', this.netns, cmd, ...args]] : [cmd, args];
    return new Promise<RunResult>((resolve, reject) => {
      // LC_ALL=C: we parse some tools' output and match some of their error messages.
      const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
      // Our own timer rather than spawn's `timeout`, which stays armed when the spawn itself fails.
      const timer = this.timeoutMs > 0 ? setTimeout(() => child.kill('SIGKILL'), this.timeoutMs) : undefined;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new CommandError(cmd, args, null, e.message));
      });
      // 'close' (not 'exit'): wait until stdout/stderr are drained. Daemonizing tools
      // (wireguard-go) hand /dev/null to their child, so the pipes do close.
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const stdout = Buffer.concat(out).toString('utf8');
        const stderr = Buffer.concat(err).toString('utf8');
        if (code === 0) resolve({ stdout, stderr });
        else reject(new CommandError(cmd, args, code, stderr, signal));
      });
      // EPIPE when the command exits without reading stdin is reported via 'close' anyway.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.stdin ?? '');
    });
  }
}

import type { CommandRunner, RunOptions, RunResult } from './command-runner';

/** Records every command with its stdin (the `-batch` lines), to prove what an apply ran. */
export class RecordingRunner implements CommandRunner {
  readonly commands: Array<{ line: string; stdin: string }> = [];
  constructor(private readonly inner: CommandRunner) {}
  run(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult> {
    this.commands.push({ line: [cmd, ...args].join(' '), stdin: opts?.stdin ?? '' });
    return this.inner.run(cmd, args, opts);
  }
  /** Every line sent to a `-batch` (tc or ip): what changed the kernel. */
  batchLines(): string[] {
    return this.commands.flatMap((c) => c.stdin.split('\n')).filter((l) => l !== '');
  }
}

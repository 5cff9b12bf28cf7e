#!/usr/bin/env node
import { parseCommandLine, USAGE, UsageError, type CommandLine } from './cli/args';
import { enrollCommand } from './cli/enroll-command';
import { startAgent } from './cli/run-command';
import { collectStatus, renderStatus } from './cli/status-command';
import { errorMessage, StderrLogger, type Logger } from './log/logger';

// wgfleet-agent: enroll | run | status. Exit codes: 0 ok, 1 failure, 2 bad command line
// (EX_USAGE would be 64; 2 is what most CLIs use and what systemd shows as INVALIDARGUMENT).

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

async function main(argv: readonly string[], log: Logger): Promise<number> {
  let command: CommandLine;
  try {
    command = parseCommandLine(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`wgfleet-agent: ${e.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  switch (command.command) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'enroll': {
      const r = await enrollCommand(command, log);
      process.stdout.write(`enrolled as host ${r.hostId}; certificate valid until ${r.notAfter.toISOString()}\n`);
      return 0;
    }
    case 'status': {
      const report = await collectStatus(command);
      process.stdout.write(command.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report, new Date()));
      return 0;
    }
    case 'run': {
      const agent = await startAgent(command, log);
      // SIGTERM (systemd stop): close the stream and exit; the data plane stays as it is.
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => {
          log.info('stopping', { signal });
          agent.stop();
        });
      }
      await agent.done;
      return 0;
    }
  }
}

const log = new StderrLogger();
main(process.argv.slice(2), log).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`wgfleet-agent: ${e.message}\n`);
      process.exit(EXIT_USAGE);
    }
    log.error(errorMessage(e));
    process.exit(EXIT_FAILURE);
  },
);

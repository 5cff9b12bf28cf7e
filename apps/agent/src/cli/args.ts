import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_CONFIG_PATH, DEFAULT_STATE_DIR, parseHostPort } from '../config/agent-config';
import { normalizeFingerprint } from '../identity/identity';

// The agent's command line: three commands with a handful of options each. node:util's parseArgs
// does the tokenizing; this module adds per-command validation and typed results, so the command
// modules never see raw strings.

export const USAGE = `Usage: wgfleet-agent <command> [options]

Commands:
  enroll --controller <host:port> --token <token> [--ca-fingerprint <sha256>]
         Creates this host's key, gets its certificate from the controller, writes the config.
  run    Applies the last applied state, then keeps this host in sync with the controller.
  status [--json]
         Shows what the running agent last did and when its certificate expires.

Options (every command):
  --config <path>      config file (default ${DEFAULT_CONFIG_PATH})
  --state-dir <dir>    key, certificates, applied state, status (default ${DEFAULT_STATE_DIR};
                       for run/status: the directory written by enroll)
  --netns <name>       run data-plane commands inside this network namespace
run only:
  --no-sysctl          do not set net.ipv4.ip_forward (the systemd unit sets it before start)
  --stats-interval <s> seconds between peer traffic reports (default 30; 1-3600)
`;

export interface CommonArgs {
  configPath: string;
  /** null: take it from the config file (run, status) or use the default (enroll). */
  stateDir: string | null;
  netns: string | null;
}

export interface EnrollArgs extends CommonArgs {
  command: 'enroll';
  controller: string;
  token: string;
  /** Lowercase hex SHA-256 of the controller's CA certificate, when given on the command line. */
  caFingerprint: string | null;
}

export interface RunArgs extends CommonArgs {
  command: 'run';
  sysctl: boolean;
  /** null: the default. */
  statsIntervalMs: number | null;
}

export interface StatusArgs extends CommonArgs {
  command: 'status';
  json: boolean;
}

export type CommandLine = EnrollArgs | RunArgs | StatusArgs | { command: 'help' };

/** A command line we cannot run; the message is meant for the operator, followed by USAGE. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type CommandName = 'enroll' | 'run' | 'status';
type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
type OptionValues = Record<string, unknown>;

const COMMON_OPTIONS: OptionSpecs = {
  config: { type: 'string' },
  'state-dir': { type: 'string' },
  netns: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const COMMAND_OPTIONS: Record<CommandName, OptionSpecs> = {
  enroll: { ...COMMON_OPTIONS, controller: { type: 'string' }, token: { type: 'string' }, 'ca-fingerprint': { type: 'string' } },
  run: { ...COMMON_OPTIONS, 'no-sysctl': { type: 'boolean' }, 'stats-interval': { type: 'string' } },
  status: { ...COMMON_OPTIONS, json: { type: 'boolean' } },
};

function isCommandName(v: string): v is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMAND_OPTIONS, v);
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') return { command: 'help' };
  if (!isCommandName(name)) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  let values: OptionValues;
  try {
    ({ values } = parseArgs({ args: [...rest], options: COMMAND_OPTIONS[name], strict: true, allowPositionals: false }));
  } catch (e) {
    // parseArgs' messages name the offending option, which is what the operator needs.
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values['help']) return { command: 'help' };
  const common: CommonArgs = {
    configPath: nonEmpty(values, 'config') ?? DEFAULT_CONFIG_PATH,
    stateDir: nonEmpty(values, 'state-dir'),
    netns: netnsName(nonEmpty(values, 'netns')),
  };
  switch (name) {
    case 'enroll':
      return {
        command: 'enroll',
        ...common,
        controller: controllerAddress(required(values, 'controller')),
        token: required(values, 'token'),
        caFingerprint: fingerprint(nonEmpty(values, 'ca-fingerprint')),
      };
    case 'run':
      return { command: 'run', ...common, sysctl: values['no-sysctl'] !== true, statsIntervalMs: seconds(nonEmpty(values, 'stats-interval'), 'stats-interval', 1, 3600) };
    case 'status':
      return { command: 'status', ...common, json: values['json'] === true };
  }
}

function nonEmpty(values: OptionValues, key: string): string | null {
  const v = values[key];
  if (v === undefined) return null;
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${key} needs a value`);
  return v.trim();
}

/** Whole seconds within [min, max], as milliseconds. */
function seconds(v: string | null, key: string, min: number, max: number): number | null {
  if (v === null) return null;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`--${key} must be a whole number of seconds from ${min} to ${max}`);
  return n * 1000;
}

function required(values: OptionValues, key: string): string {
  const v = nonEmpty(values, key);
  if (v === null) throw new UsageError(`--${key} is required`);
  return v;
}

function controllerAddress(v: string): string {
  try {
    parseHostPort(v);
  } catch (e) {
    throw new UsageError(`--controller: ${(e as Error).message}`);
  }
  return v;
}

function fingerprint(v: string | null): string | null {
  if (v === null) return null;
  try {
    return normalizeFingerprint(v);
  } catch (e) {
    throw new UsageError(`--ca-fingerprint: ${(e as Error).message}`);
  }
}

/** `ip netns` names are file names under /run/netns. */
function netnsName(v: string | null): string | null {
  if (v !== null && !/^[A-Za-z0-9_.-]{1,64}$/.test(v)) throw new UsageError(`--netns: not a valid namespace name: ${JSON.stringify(v)}`);
  return v;
}

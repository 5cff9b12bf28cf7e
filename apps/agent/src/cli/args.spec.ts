import { DEFAULT_CONFIG_PATH } from '../config/agent-config';
import { parseCommandLine, UsageError } from './args';

const FP = 'AB:'.repeat(31) + 'AB';

describe('parseCommandLine', () => {
  it('parses enroll with every option and normalizes the fingerprint', () => {
    expect(
      parseCommandLine([
        'enroll',
        '--controller',
        'ctl.example.com:8443',
        '--token',
        'wgfenr_abc',
        '--ca-fingerprint',
        FP,
        '--config',
        '/tmp/a/agent.json',
        '--state-dir',
        '/tmp/a/state',
        '--netns',
        'wgfa-1',
      ]),
    ).toEqual({
      command: 'enroll',
      controller: 'ctl.example.com:8443',
      token: 'wgfenr_abc',
      caFingerprint: 'ab'.repeat(32),
      configPath: '/tmp/a/agent.json',
      stateDir: '/tmp/a/state',
      netns: 'wgfa-1',
    });
  });

  it('applies defaults: config path, state dir from the config, sysctl on', () => {
    expect(parseCommandLine(['run'])).toEqual({ command: 'run', configPath: DEFAULT_CONFIG_PATH, stateDir: null, netns: null, sysctl: true, statsIntervalMs: null });
    expect(parseCommandLine(['run', '--no-sysctl'])).toMatchObject({ sysctl: false });
    expect(parseCommandLine(['run', '--stats-interval', '5'])).toMatchObject({ statsIntervalMs: 5000 });
    expect(parseCommandLine(['status', '--json', '--config=/x.json'])).toEqual({
      command: 'status',
      configPath: '/x.json',
      stateDir: null,
      netns: null,
      json: true,
    });
  });

  it('refuses a stats interval that is not whole seconds from 1 to 3600', () => {
    for (const v of ['0', '3601', '1.5', 'soon', '-3']) expect(() => parseCommandLine(['run', `--stats-interval=${v}`])).toThrow(UsageError);
  });

  it('asks for help with no command, help, or --help anywhere', () => {
    for (const argv of [[], ['help'], ['--help'], ['-h'], ['run', '--help']]) expect(parseCommandLine(argv)).toEqual({ command: 'help' });
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['enroll', '--token', 't'], /--controller is required/],
    [['enroll', '--controller', 'ctl:8443'], /--token is required/],
    [['enroll', '--controller', 'no-port', '--token', 't'], /--controller: .*host:port/],
    [['enroll', '--controller', 'ctl:8443', '--token', 't', '--ca-fingerprint', 'xyz'], /--ca-fingerprint: .*64 hex/],
    [['run', '--json'], /json/],
    [['status', 'extra'], /extra/],
    [['run', '--config'], /config/],
    [['run', '--config', ''], /--config needs a value/],
    [['run', '--netns', '../etc'], /--netns: not a valid namespace name/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The systemd unit and the installer as shipped in deploy/. systemd-analyze reports unknown or
// malformed directives only as warnings (exit 0), so a clean verify means exit 0 AND no output.

const DEPLOY = join(__dirname, '../../../deploy');
const UNIT = readFileSync(join(DEPLOY, 'wgfleet-agent.service'), 'utf8');
const INSTALLER = join(DEPLOY, 'install-agent.sh');

function run(cmd: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, SYSTEMD_PAGER: '', SYSTEMD_LOG_COLOR: '0' } });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

function directives(unit: string, key: string): string[] {
  return unit
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

describe('deploy/wgfleet-agent.service', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wgfa-unit-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes systemd-analyze verify', () => {
    // verify checks that every Exec binary exists; point them at stubs so the result does not
    // depend on where this machine keeps node and sysctl.
    const stub = (name: string): string => {
      const path = join(dir, name);
      writeFileSync(path, '#!/bin/sh\n');
      chmodSync(path, 0o755);
      return path;
    };
    const unit = UNIT.replace('ExecStart=/usr/bin/node ', `ExecStart=${stub('node')} `).replace('+/usr/sbin/sysctl ', `+${stub('sysctl')} `);
    expect(unit).not.toEqual(UNIT);
    const path = join(dir, 'wgfleet-agent.service');
    writeFileSync(path, unit);
    expect(run('systemd-analyze', ['verify', '--man=no', path])).toEqual({ status: 0, output: '' });
  });

  it('is hardened: one capability, read-only system, restricted sockets and syscalls, restarts', () => {
    expect(directives(UNIT, 'CapabilityBoundingSet')).toEqual(['CAP_NET_ADMIN']);
    expect(directives(UNIT, 'AmbientCapabilities')).toEqual([]);
    for (const [key, value] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['Restart', 'on-failure'],
      ['SystemCallFilter', '@system-service'],
      ['RestrictAddressFamilies', 'AF_UNIX AF_INET AF_INET6 AF_NETLINK'],
      ['ReadWritePaths', '/var/lib/wgfleet /run/wireguard'],
      // Stopping the agent must not kill the wireguard-go daemons it started (fail-static).
      ['KillMode', 'process'],
    ]) {
      expect([key, directives(UNIT, key as string)]).toEqual([key, [value]]);
    }
    expect(directives(UNIT, 'ExecStart')[0]).toMatch(/ \/opt\/wgfleet-agent\/dist\/apps\/agent\/apps\/agent\/src\/cli\.js run --config \/etc\/wgfleet\/agent\.json --no-sysctl$/);
  });

  it('keeps systemd’s own exposure score at "OK" (≤ 3.0)', () => {
    const r = run('systemd-analyze', ['security', '--offline=yes', '--threshold=30', '--no-pager', join(DEPLOY, 'wgfleet-agent.service')]);
    expect([r.status, r.output]).toEqual([0, expect.stringContaining('Overall exposure level for wgfleet-agent.service')]);
  });
});

describe('deploy/install-agent.sh', () => {
  it('is valid bash and clean under shellcheck', () => {
    expect(run('bash', ['-n', INSTALLER])).toEqual({ status: 0, output: '' });
    expect(run('shellcheck', ['--severity=style', INSTALLER])).toEqual({ status: 0, output: '' });
  });

  it('prints usage on --help and refuses to enroll without controller and token, before changing anything', () => {
    const help = run('bash', [INSTALLER, '--help']);
    expect(help.status).toBe(0);
    expect(help.output).toContain('--controller');
    const missing = run('bash', [INSTALLER, '--token', 'x']);
    expect(missing.status).not.toBe(0);
    expect(missing.output).toMatch(/run as root|--controller and --token are required/);
  });
});

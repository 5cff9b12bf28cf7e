import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveAgentConfig, statePaths } from '../config/agent-config';
import { writeFileAtomic } from '../config/atomic-file';
import { EMPTY_STATUS } from '../sync/agent-status';
import { collectStatus, renderStatus, type StatusReport } from './status-command';

describe('status', () => {
  const now = new Date('2026-11-24T10:00:00Z');
  const report: StatusReport = {
    config: { controller: 'ctl:8443', hostId: 'host-1', stateDir: '/var/lib/wgfleet', netns: null },
    status: {
      ...EMPTY_STATUS,
      pid: 1,
      connected: true,
      lastConnectedAt: '2026-11-24T09:00:00Z',
      lastAppliedRevision: 12,
      lastAppliedAt: '2026-11-24T09:59:30Z',
      lastApply: { mode: 'incremental', ms: 3.25 },
      lastDrift: { at: '2026-11-24T09:59:00Z', inSync: false, repaired: true, lines: ['wireguard: wg0: interface missing'] },
    },
    certificate: { subject: 'CN=host-1', notAfter: '2027-01-23T10:00:00.000Z', renewAfter: '2026-12-24T10:00:00.000Z', fingerprint: 'ab' },
    running: true,
  };

  it('renders what an operator needs, aligned', () => {
    expect(renderStatus(report, now)).toBe(
      [
        'host:        host-1',
        'controller:  ctl:8443',
        'state dir:   /var/lib/wgfleet',
        'agent:       running (pid 1)',
        'connected:   yes, since 2026-11-24T09:00:00Z (60m ago)',
        'applied:     revision 12 at 2026-11-24T09:59:30Z (30s ago), incremental in 3.3 ms',
        'last error:  none',
        'drift:       repaired at 2026-11-24T09:59:00Z (60s ago)',
        'certificate: expires in 60d (2027-01-23T10:00:00.000Z), renewal from 2026-12-24T10:00:00.000Z',
        '  drift: wireguard: wg0: interface missing',
        '',
      ].join('\n'),
    );
  });

  it('says when nothing ran yet and the certificate is missing', () => {
    const text = renderStatus({ ...report, status: EMPTY_STATUS, certificate: null, running: false }, now);
    expect(text).toContain('agent:       not running');
    expect(text).toContain('connected:   no, last connected never');
    expect(text).toContain('applied:     nothing yet');
    expect(text).toContain('certificate: missing or unreadable');
  });

  it('reads config and status.json, with --state-dir taking precedence', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgfa-status-'));
    try {
      const configPath = join(dir, 'agent.json');
      await saveAgentConfig(configPath, { controller: 'ctl:8443', hostId: 'host-1', stateDir: '/nonexistent', netns: null });
      await writeFileAtomic(statePaths(dir).status, JSON.stringify({ lastAppliedRevision: 5, pid: 2 ** 22 + 1 }), 0o644);
      const r = await collectStatus({ command: 'status', configPath, stateDir: dir, netns: null, json: true });
      expect(r).toMatchObject({ config: { stateDir: dir }, status: { lastAppliedRevision: 5 }, certificate: null, running: false });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
